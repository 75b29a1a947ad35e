package io.whisulbridge.domain;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A prompt that passed validation; {@code metadata}, {@code traceparent} and {@code callbackUrl} may be null. The
 * callback URL travels with the job (and through the ledger) only to be echoed on the outcome, where the webhook
 * dispatcher finds it.
 */
public record PromptEvent(String requestId, String prompt, JsonNode metadata, String traceparent, String callbackUrl) {

    public PromptEvent(String requestId, String prompt, JsonNode metadata, String traceparent) {
        this(requestId, prompt, metadata, traceparent, null);
    }
}
