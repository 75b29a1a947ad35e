package io.whisulbridge.webhook;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * One outcome on its way to one URL: the value of a record on the retry topic (waiting for {@code due_at}) and on the
 * exhausted topic (with its {@code last_error}). The body is fixed when the outcome is first read, so every attempt
 * sends the same bytes; only {@code webhook-timestamp} and the signature change between attempts.
 *
 * @param callback true for a prompt's {@code callback_url} (the host allow-list applies), false for WEBHOOK_URLS
 * @param attempts attempts made so far, all failed (0 for a delivery not tried yet)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Delivery(
        @JsonProperty("webhook_id") String webhookId,
        @JsonProperty("url") String url,
        @JsonProperty("callback") boolean callback,
        @JsonProperty("body") String body,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("due_at") Instant dueAt,
        @JsonProperty("last_error") String lastError) {

    static Delivery first(String webhookId, String url, boolean callback, String body) {
        return new Delivery(webhookId, url, callback, body, 0, null, null);
    }

    /** This delivery after one more failed attempt, due again at {@code due} (null when it is exhausted). */
    Delivery failed(String error, Instant due) {
        return new Delivery(webhookId, url, callback, body, attempts + 1, due, error);
    }
}
