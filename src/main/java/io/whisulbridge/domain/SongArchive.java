package io.whisulbridge.domain;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where a song and its cover were copied, in the company's own bucket. A part that could not be archived (or, for
 * the cover, that Whisul did not produce) is null; {@link SongResult#archiveError()} says which part failed and why.
 * No presigned URLs: they expire as Whisul's own links do.
 */
public record SongArchive(
        @JsonProperty("bucket") String bucket,
        @JsonProperty("song") ArchivedObject song,
        @JsonProperty("cover") ArchivedObject cover) {

    /** One stored object: its key, its {@code s3://bucket/key} URI, its length, its SHA-256 (hex) and content type. */
    public record ArchivedObject(
            @JsonProperty("key") String key,
            @JsonProperty("uri") String uri,
            @JsonProperty("bytes") long bytes,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("content_type") String contentType) {}
}
