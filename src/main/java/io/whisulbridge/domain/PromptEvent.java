package io.whisulbridge.domain;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A prompt that passed validation; {@code metadata}, {@code traceparent}, {@code callbackUrl} and {@code tenant} may be
 * null. The callback URL travels with the job (and through the ledger) only to be echoed on the outcome, where the
 * webhook dispatcher finds it; the tenant decides the prompt's place in the fair queue and is echoed too.
 */
public record PromptEvent(
        String requestId, String prompt, JsonNode metadata, String traceparent, String callbackUrl, String tenant) {

    /** The tenant of a prompt that names none. */
    public static final String DEFAULT_TENANT = "default";

    public PromptEvent(String requestId, String prompt, JsonNode metadata, String traceparent) {
        this(requestId, prompt, metadata, traceparent, null, null);
    }

    public PromptEvent(String requestId, String prompt, JsonNode metadata, String traceparent, String callbackUrl) {
        this(requestId, prompt, metadata, traceparent, callbackUrl, null);
    }

    /** The tenant it is queued and counted under: its own, or {@link #DEFAULT_TENANT}. */
    public String tenantOrDefault() {
        return tenant == null ? DEFAULT_TENANT : tenant;
    }
}
