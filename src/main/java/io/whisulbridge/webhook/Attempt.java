package io.whisulbridge.webhook;

import io.whisulbridge.client.WhisulResponses;
import java.time.Duration;
import java.time.Instant;

/** How one attempt of a delivery ended, classified once. */
public sealed interface Attempt {

    /** Metric tag: {@code 2xx} ... {@code 5xx}, or {@code none} when no response came. */
    String statusClass();

    /** 2xx: the receiver has it. */
    record Delivered(int status) implements Attempt {
        @Override
        public String statusClass() {
            return status / 100 + "xx";
        }
    }

    /** 410 Gone: the receiver wants no more; this delivery's retries end here. */
    record Gone() implements Attempt {
        @Override
        public String statusClass() {
            return "4xx";
        }
    }

    /**
     * Any other answer (3xx included: redirects are not followed), or none (refused connection, timeout, reset).
     * {@code retryAfter} is set only when a 429 or 503 carried a readable Retry-After.
     */
    record Failed(int status, String error, Duration retryAfter) implements Attempt {
        @Override
        public String statusClass() {
            return status == 0 ? "none" : status / 100 + "xx";
        }
    }

    /** Never attempted: the URL or the address it resolved to is not allowed. Not retried. */
    record Refused(DeliveryRules.Refusal refusal) implements Attempt {
        @Override
        public String statusClass() {
            return "none";
        }
    }

    static Attempt ofResponse(int status, String retryAfter, String bodySnippet, Instant now) {
        if (status >= 200 && status < 300) {
            return new Delivered(status);
        }
        if (status == 410) {
            return new Gone();
        }
        String error = "HTTP " + status + (bodySnippet == null || bodySnippet.isBlank() ? "" : ": " + bodySnippet);
        return new Failed(status, error, WhisulResponses.retryAfterOf(status, retryAfter, now));
    }

    static Attempt noResponse(String error) {
        return new Failed(0, error, null);
    }
}
