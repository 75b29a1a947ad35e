package io.whisulbridge.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.whisulbridge.domain.PromptEvent;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The rules of {@code docs/events.md} for the prompt topic, applied to raw record bytes. */
public final class PromptParser {

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final int maxPromptLength;
    private final int maxMetadataBytes;

    public PromptParser(int maxPromptLength, int maxMetadataBytes) {
        this.maxPromptLength = maxPromptLength;
        this.maxMetadataBytes = maxMetadataBytes;
    }

    public static boolean isValidRequestId(String candidate) {
        return candidate != null && REQUEST_ID.matcher(candidate).matches();
    }

    public ParsedPrompt parse(byte[] key, byte[] value, String topic, int partition, long offset, String traceparent) {
        String keyId = strictUtf8(key);
        if (!isValidRequestId(keyId)) {
            keyId = null;
        }
        JsonNode root;
        try {
            root = readObject(value);
        } catch (UnreadableException unreadable) {
            return new ParsedPrompt.Unreadable(unreadable.getMessage(), keyId, traceparent);
        }
        List<String> errors = new ArrayList<>();
        String fallbackId = keyId != null ? keyId : topic + "-" + partition + "-" + offset;
        String requestId = requestId(root.get("request_id"), fallbackId, errors);
        String prompt = prompt(root.get("prompt"), errors);
        JsonNode metadata = metadata(root.get("metadata"), errors);
        if (!errors.isEmpty()) {
            return new ParsedPrompt.Invalid(requestId, prompt, metadata, traceparent, String.join("; ", errors));
        }
        return new ParsedPrompt.Valid(new PromptEvent(requestId, prompt, metadata, traceparent));
    }

    private static JsonNode readObject(byte[] value) throws UnreadableException {
        if (value == null || value.length == 0) {
            throw new UnreadableException("empty value");
        }
        String text = strictUtf8(value);
        if (text == null) {
            throw new UnreadableException("value is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException notJson) {
            throw new UnreadableException("value is not JSON: " + notJson.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new UnreadableException("value is JSON but not an object (" + (root == null ? "nothing" : root.getNodeType().name().toLowerCase()) + ")");
        }
        return root;
    }

    private static String requestId(JsonNode node, String fallback, List<String> errors) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isTextual() && isValidRequestId(node.asText())) {
            return node.asText();
        }
        errors.add("request_id must be a string of 1 to 128 characters from A-Z a-z 0-9 . _ : - (was "
                + abbreviate(node.toString()) + ")");
        return fallback;
    }

    private String prompt(JsonNode node, List<String> errors) {
        if (node == null || node.isNull()) {
            errors.add("prompt is required");
            return null;
        }
        if (!node.isTextual()) {
            errors.add("prompt must be a string (was " + node.getNodeType().name().toLowerCase() + ")");
            return null;
        }
        String prompt = node.asText().trim();
        if (prompt.isEmpty()) {
            errors.add("prompt must not be blank");
        } else {
            int length = prompt.codePointCount(0, prompt.length());
            if (length > maxPromptLength) {
                errors.add("prompt has " + length + " characters; at most " + maxPromptLength + " are allowed");
            }
        }
        return prompt;
    }

    private JsonNode metadata(JsonNode node, List<String> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            errors.add("metadata must be a JSON object (was " + node.getNodeType().name().toLowerCase() + ")");
            return null;
        }
        int size = node.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > maxMetadataBytes) {
            errors.add("metadata is " + size + " bytes serialised; at most " + maxMetadataBytes + " are allowed");
            return null;
        }
        return node;
    }

    static String strictUtf8(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException malformed) {
            return null;
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }

    private static final class UnreadableException extends Exception {
        UnreadableException(String reason) {
            super(reason, null, false, false);
        }
    }
}
