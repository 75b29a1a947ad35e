package io.whisulbridge.ledger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.whisulbridge.domain.PromptEvent;

/**
 * What the ledger knows of one request, written before the step it protects: {@code QUEUED} before its record is
 * acknowledged when it has to wait for its fair turn, {@code INTENT} before the first
 * submit, {@code SUBMITTED} once Whisul named the job, {@code DECIDED} with the outcome record's exact value before
 * it is published, {@code DONE} once it is on the broker. Each entry carries what a new owner needs to carry on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record LedgerEntry(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("state") State state,
        @JsonProperty("job_id") String jobId,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("metadata") JsonNode metadata,
        @JsonProperty("traceparent") String traceparent,
        @JsonProperty("accepted_at") String acceptedAt,
        @JsonProperty("outcome") String outcome,
        @JsonProperty("updated_at") String updatedAt,
        @JsonProperty("outcome_topic") OutcomeTopic outcomeTopic,
        @JsonProperty("outcome_value") String outcomeValue,
        @JsonProperty("outcome_traceparent") String outcomeTraceparent,
        @JsonProperty("decided_at") String decidedAt,
        @JsonProperty("callback_url") String callbackUrl,
        @JsonProperty("tenant") String tenant) {

    public enum State {
        QUEUED,
        INTENT,
        SUBMITTED,
        DECIDED,
        DONE
    }

    /** Where a decided outcome goes: {@code songs} or {@code song-failures}. */
    public enum OutcomeTopic {
        SONGS,
        FAILURES
    }

    public PromptEvent event() {
        return new PromptEvent(requestId, prompt, metadata, traceparent, callbackUrl, tenant);
    }
}
