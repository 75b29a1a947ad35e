package io.whisulbridge.client;

import java.time.Duration;

/** What a {@code POST /generate} came to, classified once so that callers only decide what to do next. */
public sealed interface SubmitResponse {

    record Accepted(String jobId) implements SubmitResponse {
    }

    /** Whisul refused the prompt itself (400): retrying cannot help. */
    record Rejected(String message) implements SubmitResponse {
    }

    /** The key is wrong: the service is misconfigured, the request is not at fault. */
    record Unauthorized(int status) implements SubmitResponse {
    }

    /** Worth retrying later; {@code retryAfter} is null when Whisul gave no hint. */
    record Transient(String description, Duration retryAfter) implements SubmitResponse {
    }

    /** Not sent at all: our own request budget has more calls waiting than it queues. No Whisul error. */
    record Deferred(Duration retryIn) implements SubmitResponse {
    }
}
