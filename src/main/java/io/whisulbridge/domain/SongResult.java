package io.whisulbridge.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.List;

public record SongResult(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("job_id") String jobId,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("title") String title,
        @JsonProperty("bpm") BigDecimal bpm,
        @JsonProperty("duration_seconds") Integer durationSeconds,
        @JsonProperty("song_url") String songUrl,
        @JsonProperty("image_url") String imageUrl,
        @JsonProperty("tags") List<String> tags,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("finished_at") String finishedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("metadata") JsonNode metadata,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("callback_url") String callbackUrl) {
}
