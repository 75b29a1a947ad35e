package io.whisulbridge.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.whisulbridge.domain.PromptEvent;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The rules of {@code docs/events.md} for the prompt topic, applied to raw record bytes. */
public final class PromptParser {

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** Longer URLs are refused by many servers and proxies anyway; the bound keeps outcomes and ledger entries small. */
    public static final int MAX_CALLBACK_URL_LENGTH = 2048;

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final int maxPromptLength;
    private final int maxMetadataBytes;

    public PromptParser(int maxPromptLength, int maxMetadataBytes) {
        this.maxPromptLength = maxPromptLength;
        this.maxMetadataBytes = maxMetadataBytes;
    }

    public static boolean isValidRequestId(String candidate) {
        return candidate != null && REQUEST_ID.matcher(candidate).matches();
    }

    /** A prompt without CloudEvents headers. */
    public ParsedPrompt parse(byte[] key, byte[] value, String topic, int partition, long offset, String traceparent) {
        return parse(key, value, topic, partition, offset, traceparent, CloudEventHeaders.NONE);
    }

    /**
     * A prompt, possibly as a CloudEvent: in binary mode the value is the prompt event and the envelope is in the
     * headers; in structured mode ({@code application/cloudevents+json}) the value is the envelope and its
     * {@code data} the prompt event. The request id is the prompt's {@code request_id}, else the event's {@code id}
     * if it is a valid request id, else the record key if it is one, else {@code <topic>-<partition>-<offset>}.
     */
    public ParsedPrompt parse(
            byte[] key,
            byte[] value,
            String topic,
            int partition,
            long offset,
            String traceparent,
            CloudEventHeaders cloudEvent) {
        String keyId = strictUtf8(key);
        if (!isValidRequestId(keyId)) {
            keyId = null;
        }
        JsonNode root;
        String eventId = cloudEvent.binaryId();
        try {
            root = readObject(value);
            if (cloudEvent.structured()) {
                eventId = envelopeId(root);
                root = root.get("data");
            }
        } catch (UnreadableException unreadable) {
            return new ParsedPrompt.Unreadable(unreadable.getMessage(), keyId, traceparent);
        }
        List<String> errors = new ArrayList<>();
        String fallbackId =
                isValidRequestId(eventId) ? eventId : keyId != null ? keyId : topic + "-" + partition + "-" + offset;
        String requestId = requestId(root.get("request_id"), fallbackId, errors);
        String prompt = prompt(root.get("prompt"), errors);
        JsonNode metadata = metadata(root.get("metadata"), errors);
        String callbackUrl = callbackUrl(root.get("callback_url"), errors);
        String tenant = tenant(root.get("tenant"), errors);
        if (!errors.isEmpty()) {
            return new ParsedPrompt.Invalid(
                    requestId, prompt, metadata, traceparent, String.join("; ", errors), callbackUrl, tenant);
        }
        return new ParsedPrompt.Valid(new PromptEvent(requestId, prompt, metadata, traceparent, callbackUrl, tenant));
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
            throw new UnreadableException("value is JSON but not an object ("
                    + (root == null ? "nothing" : root.getNodeType().name().toLowerCase()) + ")");
        }
        return root;
    }

    /**
     * The envelope of a structured CloudEvent: the four required attributes as non-empty strings, and a JSON object
     * as {@code data} (the prompt event). Anything else is a record this service cannot read.
     */
    private static String envelopeId(JsonNode envelope) throws UnreadableException {
        for (String attribute : List.of("specversion", "id", "source", "type")) {
            JsonNode node = envelope.get(attribute);
            if (node == null || !node.isTextual() || node.asText().isEmpty()) {
                throw new UnreadableException("structured CloudEvent without a string '" + attribute + "'");
            }
        }
        if (!envelope.path("specversion").asText().startsWith("1.")) {
            throw new UnreadableException("structured CloudEvent of unsupported specversion "
                    + abbreviate(envelope.path("specversion").asText()));
        }
        JsonNode data = envelope.get("data");
        if (data == null || !data.isObject()) {
            throw new UnreadableException("structured CloudEvent whose 'data' is not a JSON object (was "
                    + (data == null ? "absent" : data.getNodeType().name().toLowerCase()) + ")");
        }
        return envelope.path("id").asText();
    }

    private static String requestId(JsonNode node, String fallback, List<String> errors) {
        return identifier("request_id", REQUEST_ID, 128, node, fallback, errors);
    }

    /** A field of the identifier alphabet: {@code absent} when missing, null or breaking the rule (then reported). */
    private static String identifier(
            String field, Pattern rule, int maxLength, JsonNode node, String absent, List<String> errors) {
        if (node == null || node.isNull()) {
            return absent;
        }
        if (node.isTextual() && rule.matcher(node.asText()).matches()) {
            return node.asText();
        }
        errors.add(field + " must be a string of 1 to " + maxLength + " characters from A-Z a-z 0-9 . _ : - (was "
                + abbreviate(node.toString()) + ")");
        return absent;
    }

    private String prompt(JsonNode node, List<String> errors) {
        if (node == null || node.isNull()) {
            errors.add("prompt is required");
            return null;
        }
        if (!node.isTextual()) {
            errors.add(
                    "prompt must be a string (was " + node.getNodeType().name().toLowerCase() + ")");
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
            errors.add("metadata must be a JSON object (was "
                    + node.getNodeType().name().toLowerCase() + ")");
            return null;
        }
        int size = node.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > maxMetadataBytes) {
            errors.add("metadata is " + size + " bytes serialised; at most " + maxMetadataBytes + " are allowed");
            return null;
        }
        return node;
    }

    /**
     * An absolute http(s) URL with a host, no fragment, at most {@link #MAX_CALLBACK_URL_LENGTH} characters. Whether
     * the host may be called is the dispatcher's decision (WEBHOOK_ALLOWED_HOSTS), taken when it delivers: a prompt
     * naming a host that is not allowed still gets its song.
     */
    private static String callbackUrl(JsonNode node, List<String> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            errors.add("callback_url must be a string (was "
                    + node.getNodeType().name().toLowerCase() + ")");
            return null;
        }
        String url = node.asText();
        if (url.length() > MAX_CALLBACK_URL_LENGTH) {
            errors.add("callback_url has " + url.length() + " characters; at most " + MAX_CALLBACK_URL_LENGTH
                    + " are allowed");
            return null;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https"))
                    && uri.getHost() != null
                    && uri.getRawFragment() == null
                    && uri.getRawUserInfo() == null) {
                return url;
            }
        } catch (URISyntaxException malformed) {
            // reported below, like any other URL that is not usable
        }
        errors.add("callback_url must be an absolute http(s) URL with a host, without user info or fragment (was "
                + abbreviate(url) + ")");
        return null;
    }

    public static boolean isValidTenant(String candidate) {
        return candidate != null && TENANT.matcher(candidate).matches();
    }

    /** Absent or null: the default tenant (null here). A tenant that breaks the rule is not echoed. */
    private static String tenant(JsonNode node, List<String> errors) {
        return identifier("tenant", TENANT, 64, node, null, errors);
    }

    static String strictUtf8(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
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
