package io.whisulbridge.ledger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.whisulbridge.domain.PromptEvent;

/**
 * What the ledger knows of one request: {@code SUBMITTED} once Whisul accepted it (with everything needed to finish
 * it elsewhere), {@code DONE} once its outcome is on the broker.
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
        @JsonProperty("updated_at") String updatedAt) {

    public enum State { SUBMITTED, DONE }

    public PromptEvent event() {
        return new PromptEvent(requestId, prompt, metadata, traceparent);
    }
}
