package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.whisulbridge.config.TopicSet;
import io.whisulbridge.domain.PromptEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prompt events that arrive as CloudEvents, in binary and in structured mode (docs/events.md). */
class CloudEventPromptTest {

    private static final Map<String, String> BINARY = Map.of(
            "ce_specversion", "1.0", "ce_id", "evt-7", "ce_source", "/upstream", "ce_type", "com.example.prompt");
    private static final Map<String, String> STRUCTURED =
            Map.of("content-type", "application/cloudevents+json; charset=UTF-8");

    private final PromptParser parser = new PromptParser(100, 256);

    private ParsedPrompt parse(String key, String value, Map<String, String> headers) {
        return parser.parse(
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8),
                TopicSet.PROMPTS,
                2,
                40,
                null,
                CloudEventHeaders.of(headers::get));
    }

    private PromptEvent valid(String key, String value, Map<String, String> headers) {
        ParsedPrompt parsed = parse(key, value, headers);
        assertThat(parsed).isInstanceOf(ParsedPrompt.Valid.class);
        return ((ParsedPrompt.Valid) parsed).event();
    }

    private static String envelope(String id, String data) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id
                + "\",\"source\":\"/upstream\",\"type\":\"com.example.prompt\","
                + "\"datacontenttype\":\"application/json\",\"data\":" + data + "}";
    }

    @Test
    void headersWithTheFourRequiredAttributesAreBinaryMode() {
        assertThat(CloudEventHeaders.of(BINARY::get)).isEqualTo(new CloudEventHeaders(false, "evt-7"));
    }

    @Test
    void headersMissingARequiredAttributeAreNoCloudEvent() {
        Map<String, String> noType = Map.of("ce_specversion", "1.0", "ce_id", "evt-7", "ce_source", "/upstream");

        assertThat(CloudEventHeaders.of(noType::get)).isEqualTo(CloudEventHeaders.NONE);
    }

    @Test
    void theCloudEventsContentTypeIsStructuredModeWhateverItsParameters() {
        assertThat(CloudEventHeaders.of(STRUCTURED::get).structured()).isTrue();
        assertThat(CloudEventHeaders.of(Map.of("content-type", "application/json")::get))
                .isEqualTo(CloudEventHeaders.NONE);
    }

    @Test
    void inBinaryModeTheValueIsThePromptAndItsRequestIdWins() {
        PromptEvent event = valid("key-1", "{\"request_id\":\"req-1\",\"prompt\":\"lofi\"}", BINARY);

        assertThat(event.requestId()).isEqualTo("req-1");
        assertThat(event.prompt()).isEqualTo("lofi");
    }

    @Test
    void inBinaryModeWithoutARequestIdTheEventIdComesBeforeTheKey() {
        assertThat(valid("key-1", "{\"prompt\":\"lofi\"}", BINARY).requestId()).isEqualTo("evt-7");
    }

    @Test
    void anEventIdThatIsNoValidRequestIdFallsBackToTheKey() {
        Map<String, String> spacedId = Map.of(
                "ce_specversion", "1.0", "ce_id", "evt 7", "ce_source", "/upstream", "ce_type", "com.example.prompt");

        assertThat(valid("key-1", "{\"prompt\":\"lofi\"}", spacedId).requestId())
                .isEqualTo("key-1");
        assertThat(valid(null, "{\"prompt\":\"lofi\"}", spacedId).requestId()).isEqualTo(TopicSet.PROMPTS + "-2-40");
    }

    @Test
    void inStructuredModeTheDataIsThePrompt() {
        PromptEvent event = valid(
                "key-1",
                envelope("evt-9", "{\"request_id\":\"req-2\",\"prompt\":\"harp\",\"metadata\":{\"team\":\"a\"}}"),
                STRUCTURED);

        assertThat(event.requestId()).isEqualTo("req-2");
        assertThat(event.prompt()).isEqualTo("harp");
        assertThat(event.metadata().path("team").asText()).isEqualTo("a");
    }

    @Test
    void inStructuredModeWithoutARequestIdTheEventIdIsTheRequestId() {
        assertThat(valid("key-1", envelope("evt-9", "{\"prompt\":\"harp\"}"), STRUCTURED)
                        .requestId())
                .isEqualTo("evt-9");
    }

    @Test
    void aStructuredEventWithoutASourceCannotBeRead() {
        ParsedPrompt parsed = parse(
                "key-1",
                "{\"specversion\":\"1.0\",\"id\":\"e\",\"type\":\"t\",\"data\":{\"prompt\":\"x\"}}",
                STRUCTURED);

        assertThat(parsed).isInstanceOf(ParsedPrompt.Unreadable.class);
        assertThat(((ParsedPrompt.Unreadable) parsed).reason()).contains("'source'");
        assertThat(((ParsedPrompt.Unreadable) parsed).keyRequestId())
                .as("a usable key still gets an outcome")
                .isEqualTo("key-1");
    }

    @Test
    void aStructuredEventWhoseDataIsNotAnObjectCannotBeRead() {
        ParsedPrompt parsed = parse(null, envelope("evt-9", "\"make a song\""), STRUCTURED);

        assertThat(parsed).isInstanceOf(ParsedPrompt.Unreadable.class);
        assertThat(((ParsedPrompt.Unreadable) parsed).reason()).contains("'data' is not a JSON object (was string)");
    }

    @Test
    void aStructuredEventOfAnotherMajorVersionCannotBeRead() {
        String v2 = envelope("evt-9", "{\"prompt\":\"harp\"}")
                .replace("\"specversion\":\"1.0\"", "\"specversion\":\"2.0\"");

        assertThat(parse(null, v2, STRUCTURED)).isInstanceOf(ParsedPrompt.Unreadable.class);
    }

    @Test
    void aStructuredEventThatIsNotJsonCannotBeRead() {
        assertThat(parse("key-1", "{not json", STRUCTURED)).isInstanceOf(ParsedPrompt.Unreadable.class);
    }
}
