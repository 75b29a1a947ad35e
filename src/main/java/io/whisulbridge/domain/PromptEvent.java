package io.whisulbridge.domain;

import com.fasterxml.jackson.databind.JsonNode;

/** A prompt that passed validation; {@code metadata} and {@code traceparent} may be null. */
public record PromptEvent(String requestId, String prompt, JsonNode metadata, String traceparent) {
}
