package io.whisulbridge.client;

import java.time.Duration;

/** What a {@code GET /jobs/{id}} came to. */
public sealed interface PollResponse {

    /** Still going. {@code status} is kept because Whisul may invent states we do not know yet. */
    record Running(String status) implements PollResponse {
        public boolean knownStatus() {
            return "running".equals(status);
        }
    }

    record Completed(CompletedJob job) implements PollResponse {}

    record Failed(String error) implements PollResponse {}

    record NotFound() implements PollResponse {}

    record Unauthorized(int status) implements PollResponse {}

    /** {@code rateLimited} (a 429) is the service going too fast, never the request's fault. */
    record Transient(String description, Duration retryAfter, boolean rateLimited) implements PollResponse {
        public Transient(String description, Duration retryAfter) {
            this(description, retryAfter, false);
        }
    }

    /** Not sent at all: our own request budget has more calls waiting than it queues. No Whisul error. */
    record Deferred(Duration retryIn) implements PollResponse {}
}
