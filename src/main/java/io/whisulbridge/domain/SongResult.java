package io.whisulbridge.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * A completed request. {@code archive} has three states, which is why it is an Optional: a Java null means archiving
 * is off (the field is left out, as before archiving existed); {@code Optional.empty()} means it was on and nothing
 * could be archived ({@code "archive": null}, with {@code archive_error}); a value says where the files are.
 */
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

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("metadata")
        JsonNode metadata,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("callback_url")
        String callbackUrl,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("archive")
        Optional<SongArchive> archive,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("archive_error")
        String archiveError,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("tenant")
        String tenant) {

    /** As Whisul finished it, before archiving (or with archiving off). */
    public SongResult(
            String requestId,
            String jobId,
            String prompt,
            String title,
            BigDecimal bpm,
            Integer durationSeconds,
            String songUrl,
            String imageUrl,
            List<String> tags,
            String startedAt,
            String finishedAt,
            JsonNode metadata,
            String callbackUrl,
            String tenant) {
        this(
                requestId,
                jobId,
                prompt,
                title,
                bpm,
                durationSeconds,
                songUrl,
                imageUrl,
                tags,
                startedAt,
                finishedAt,
                metadata,
                callbackUrl,
                null,
                null,
                tenant);
    }

    /** The same result with what archiving achieved: {@code archive} null when nothing was archived. */
    public SongResult archived(SongArchive where, String error) {
        return new SongResult(
                requestId,
                jobId,
                prompt,
                title,
                bpm,
                durationSeconds,
                songUrl,
                imageUrl,
                tags,
                startedAt,
                finishedAt,
                metadata,
                callbackUrl,
                Optional.ofNullable(where),
                error,
                tenant);
    }
}
