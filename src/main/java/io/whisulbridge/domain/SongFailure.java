package io.whisulbridge.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

public record SongFailure(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("job_id") String jobId,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("reason") FailureReason reason,
        @JsonProperty("error") String error,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("failed_at") String failedAt,
        @JsonProperty("metadata") JsonNode metadata,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("callback_url")
        String callbackUrl,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("tenant")
        String tenant) {

    /** For a prompt that named no tenant. */
    public SongFailure(
            String requestId,
            String jobId,
            String prompt,
            FailureReason reason,
            String error,
            int attempts,
            String failedAt,
            JsonNode metadata,
            String callbackUrl) {
        this(requestId, jobId, prompt, reason, error, attempts, failedAt, metadata, callbackUrl, null);
    }
}
