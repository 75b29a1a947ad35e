package io.whisulbridge.client;

import java.time.Duration;

/** What a {@code POST /generate} came to, classified once so that callers only decide what to do next. */
public sealed interface SubmitResponse {

    record Accepted(String jobId) implements SubmitResponse {}

    /** Whisul refused the prompt itself (400): retrying cannot help. */
    record Rejected(String message) implements SubmitResponse {}

    /** The key is wrong: the service is misconfigured, the request is not at fault. */
    record Unauthorized(int status) implements SubmitResponse {}

    /**
     * Whisul answered 2xx, so it took the request, but named no job to poll. Submitting again could pay twice, so
     * this ends the request.
     */
    record AcceptedWithoutJobId(String description) implements SubmitResponse {}

    /**
     * Worth retrying later; {@code retryAfter} is null when Whisul gave no hint. {@code rateLimited} (a 429) is the
     * service going too fast, never the request's fault.
     */
    record Transient(String description, Duration retryAfter, boolean rateLimited) implements SubmitResponse {
        public Transient(String description, Duration retryAfter) {
            this(description, retryAfter, false);
        }
    }

    /** Not sent at all: our own request budget has more calls waiting than it queues. No Whisul error. */
    record Deferred(Duration retryIn) implements SubmitResponse {}
}
