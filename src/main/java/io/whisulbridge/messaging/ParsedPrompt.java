package io.whisulbridge.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.whisulbridge.domain.PromptEvent;

/** What a prompt record turned out to be. */
public sealed interface ParsedPrompt {

    record Valid(PromptEvent event) implements ParsedPrompt {}

    /**
     * A JSON object that breaks a rule of the contract: answered with an INVALID_PROMPT failure, delivered to the
     * {@code callbackUrl} too when that one is valid (else null); {@code tenant} is echoed when valid (else null).
     */
    record Invalid(
            String requestId,
            String prompt,
            JsonNode metadata,
            String traceparent,
            String error,
            String callbackUrl,
            String tenant)
            implements ParsedPrompt {}

    /** Not a JSON object at all: dead-lettered unchanged; {@code keyRequestId} is null unless the key is a usable id. */
    record Unreadable(String reason, String keyRequestId, String traceparent) implements ParsedPrompt {}
}
