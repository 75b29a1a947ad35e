package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.domain.PromptEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The prompt-topic rules of docs/events.md, with max-prompt-length 20 and max-metadata-bytes 64. */
class PromptParserTest {

    private static final String TOPIC = TopicSet.PROMPTS;
    private static final int PARTITION = 3;
    private static final long OFFSET = 1234;
    private static final String FALLBACK_ID = "song-prompts-3-1234";
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final PromptParser parser = new PromptParser(20, 64);

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private ParsedPrompt parse(String key, String value) {
        return parser.parse(utf8(key), utf8(value), TOPIC, PARTITION, OFFSET, TRACEPARENT);
    }

    private PromptEvent valid(String key, String value) {
        ParsedPrompt parsed = parse(key, value);
        assertThat(parsed).isInstanceOf(ParsedPrompt.Valid.class);
        return ((ParsedPrompt.Valid) parsed).event();
    }

    private ParsedPrompt.Invalid invalid(String key, String value) {
        ParsedPrompt parsed = parse(key, value);
        assertThat(parsed).isInstanceOf(ParsedPrompt.Invalid.class);
        return (ParsedPrompt.Invalid) parsed;
    }

    private ParsedPrompt.Unreadable unreadable(byte[] key, byte[] value) {
        ParsedPrompt parsed = parser.parse(key, value, TOPIC, PARTITION, OFFSET, TRACEPARENT);
        assertThat(parsed).isInstanceOf(ParsedPrompt.Unreadable.class);
        return (ParsedPrompt.Unreadable) parsed;
    }

    // ---- request id ----------------------------------------------------------------------------------------

    @Test
    void requestIdInTheValueWinsOverTheKey() {
        assertThat(valid("key-1", "{\"request_id\": \"req-1\", \"prompt\": \"lofi\"}")
                        .requestId())
                .isEqualTo("req-1");
    }

    @Test
    void validKeyIsTheRequestIdWhenTheValueHasNone() {
        assertThat(valid("key-1", "{\"prompt\": \"lofi\"}").requestId()).isEqualTo("key-1");
    }

    @Test
    void withoutRequestIdOrKeyTheRequestIdIsTopicPartitionOffset() {
        assertThat(valid(null, "{\"prompt\": \"lofi\", \"request_id\": null}").requestId())
                .isEqualTo(FALLBACK_ID);
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @ValueSource(strings = {"", "has space", "slash/id", "ünïcode"})
    void invalidKeyIsIgnoredForTheRequestId(String key) {
        assertThat(valid(key, "{\"prompt\": \"lofi\"}").requestId()).isEqualTo(FALLBACK_ID);
    }

    @Test
    void keyThatIsNotUtf8IsIgnoredForTheRequestId() {
        ParsedPrompt parsed = parser.parse(
                new byte[] {(byte) 0xC3, 0x28}, utf8("{\"prompt\": \"lofi\"}"), TOPIC, PARTITION, OFFSET, null);

        assertThat(((ParsedPrompt.Valid) parsed).event().requestId()).isEqualTo(FALLBACK_ID);
    }

    @ParameterizedTest(name = "request_id {0}")
    @ValueSource(
            strings = {
                "a",
                "A-Z_a.z:0-9",
                "0123456789012345678901234567890123456789012345678901234567890123"
                        + "0123456789012345678901234567890123456789012345678901234567890123"
            })
    void requestIdOfAllowedCharactersUpTo128IsAccepted(String id) {
        assertThat(valid(null, "{\"request_id\": \"" + id + "\", \"prompt\": \"lofi\"}")
                        .requestId())
                .isEqualTo(id);
    }

    @ParameterizedTest(name = "request_id {0}")
    @ValueSource(
            strings = {
                "\"\"",
                "\"has space\"",
                "\"a/b\"",
                "42",
                "{\"id\": 1}",
                "\"01234567890123456789012345678901234567890123456789012345678901230123456789012345678901234567890123456789012345678901234567890123X\""
            })
    void requestIdBreakingTheRuleMakesThePromptInvalidUnderTheFallbackId(String id) {
        ParsedPrompt.Invalid invalid = invalid("key-1", "{\"request_id\": " + id + ", \"prompt\": \"lofi\"}");

        assertThat(invalid.requestId()).isEqualTo("key-1");
        assertThat(invalid.error()).contains("request_id");
        assertThat(invalid.prompt()).isEqualTo("lofi");
    }

    // ---- prompt --------------------------------------------------------------------------------------------

    @Test
    void promptIsTrimmed() {
        assertThat(valid(null, "{\"prompt\": \"  lofi beats \\n\"}").prompt()).isEqualTo("lofi beats");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{}", "{\"prompt\": null}", "{\"request_id\": \"r\"}"})
    void missingPromptIsInvalid(String value) {
        assertThat(invalid(null, value).error()).contains("prompt is required");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"prompt\": \"\"}", "{\"prompt\": \"   \"}", "{\"prompt\": \"\\t\\n\"}"})
    void blankPromptIsInvalid(String value) {
        assertThat(invalid(null, value).error()).contains("prompt must not be blank");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "{\"prompt\": 42}",
                "{\"prompt\": [\"lofi\"]}",
                "{\"prompt\": {\"text\": \"lofi\"}}",
                "{\"prompt\": true}"
            })
    void nonStringPromptIsInvalid(String value) {
        assertThat(invalid(null, value).error()).contains("prompt must be a string");
    }

    @Test
    void promptOfExactlyTheMaximumLengthIsAccepted() {
        assertThat(valid(null, "{\"prompt\": \"" + "a".repeat(20) + "\"}").prompt())
                .hasSize(20);
    }

    @Test
    void promptOverTheMaximumLengthIsInvalid() {
        assertThat(invalid(null, "{\"prompt\": \"" + "a".repeat(21) + "\"}").error())
                .contains("21 characters");
    }

    @Test
    void promptLengthCountsCodePointsNotUtf16Units() {
        String twentyNotes = "\uD83C\uDFB5".repeat(20); // 20 code points, 40 chars

        assertThat(valid(null, "{\"prompt\": \"" + twentyNotes + "\"}").prompt())
                .isEqualTo(twentyNotes);
    }

    // ---- metadata, unknown fields, trace -------------------------------------------------------------------

    @Test
    void metadataObjectIsKeptUnchanged() {
        PromptEvent event = valid(null, "{\"prompt\": \"lofi\", \"metadata\": {\"user\": \"u-1\", \"n\": [1, 2]}}");

        ObjectNode expected = JsonNodeFactory.instance.objectNode().put("user", "u-1");
        expected.putArray("n").add(1).add(2);
        assertThat(event.metadata()).isEqualTo(expected);
    }

    @Test
    void absentMetadataIsNull() {
        assertThat(valid(null, "{\"prompt\": \"lofi\"}").metadata()).isNull();
    }

    @ParameterizedTest(name = "metadata {0}")
    @ValueSource(strings = {"\"user=u-1\"", "[1, 2]", "7", "true"})
    void metadataThatIsNotAnObjectIsInvalid(String metadata) {
        assertThat(invalid(null, "{\"prompt\": \"lofi\", \"metadata\": " + metadata + "}")
                        .error())
                .contains("metadata must be a JSON object");
    }

    @Test
    void metadataOfExactlyTheMaximumSerialisedSizeIsAccepted() {
        String metadata = "{\"k\":\"" + "x".repeat(64 - 8) + "\"}"; // {"k":""} is 8 bytes

        assertThat(metadata).hasSize(64);
        assertThat(valid(null, "{\"prompt\": \"lofi\", \"metadata\": " + metadata + "}")
                        .metadata())
                .isNotNull();
    }

    @Test
    void metadataOverTheMaximumSerialisedSizeIsInvalid() {
        String metadata = "{\"k\":\"" + "x".repeat(64 - 7) + "\"}";

        assertThat(invalid(null, "{\"prompt\": \"lofi\", \"metadata\": " + metadata + "}")
                        .error())
                .contains("65 bytes");
    }

    @Test
    void unknownFieldsAreIgnored() {
        PromptEvent event = valid(null, "{\"prompt\": \"lofi\", \"genre\": \"ambient\", \"priority\": {\"level\": 9}}");

        assertThat(event.prompt()).isEqualTo("lofi");
    }

    @Test
    void traceparentIsCarriedIntoTheEvent() {
        assertThat(valid(null, "{\"prompt\": \"lofi\"}").traceparent()).isEqualTo(TRACEPARENT);
    }

    @Test
    void invalidPromptKeepsWhatIsKnownForTheFailureEvent() {
        ParsedPrompt.Invalid invalid =
                invalid(null, "{\"request_id\": \"req-9\", \"prompt\": \" \", \"metadata\": {\"u\": 1}, \"extra\": 1}");

        assertThat(invalid.requestId()).isEqualTo("req-9");
        assertThat(invalid.metadata())
                .isEqualTo(JsonNodeFactory.instance.objectNode().put("u", 1));
        assertThat(invalid.traceparent()).isEqualTo(TRACEPARENT);
    }

    @Test
    void everyBrokenRuleIsReported() {
        String error = invalid(null, "{\"request_id\": \"no spaces\", \"prompt\": 1, \"metadata\": []}")
                .error();

        assertThat(error)
                .contains("request_id")
                .contains("prompt must be a string")
                .contains("metadata must be a JSON object");
    }

    // ---- unreadable records (dead letters) -----------------------------------------------------------------

    @ParameterizedTest(name = "value {0}")
    @ValueSource(
            strings = {
                "lofi beats please",
                "{\"prompt\": \"lofi\"",
                "[{\"prompt\": \"lofi\"}]",
                "\"lofi\"",
                "42",
                "null",
                "   "
            })
    void valueThatIsNotAJsonObjectIsUnreadable(String value) {
        unreadable(null, utf8(value));
    }

    @ParameterizedTest(name = "value {0}")
    @ValueSource(
            strings = {
                "{\"prompt\": \"lofi\"} trailing",
                "{\"prompt\": \"a\"}{\"prompt\": \"b\"}",
                "{\"prompt\": \"lofi\"}]"
            })
    void trailingGarbageAfterTheJsonObjectIsUnreadable(String value) {
        unreadable(null, utf8(value));
    }

    @ParameterizedTest
    @NullAndEmptySource
    void emptyValueIsUnreadable(byte[] value) {
        assertThat(unreadable(null, value).reason()).contains("empty");
    }

    @Test
    void absurdlyDeepJsonIsUnreadableNotACrash() {
        String deep = "{\"prompt\": \"lofi\", \"metadata\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}";

        assertThat(unreadable(null, utf8(deep)).reason()).startsWith("value is not JSON");
    }

    @Test
    void valueThatIsNotUtf8IsUnreadable() {
        byte[] latin1 = "{\"prompt\": \"café\"}".getBytes(StandardCharsets.ISO_8859_1);

        assertThat(unreadable(null, latin1).reason()).contains("UTF-8");
    }

    @Test
    void unreadableRecordWithAValidKeyNamesTheKeyAsRequestId() {
        ParsedPrompt.Unreadable unreadable = unreadable(utf8("req-7"), utf8("not json"));

        assertThat(unreadable.keyRequestId()).isEqualTo("req-7");
        assertThat(unreadable.traceparent()).isEqualTo(TRACEPARENT);
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @NullSource
    @ValueSource(strings = {"", "bad key"})
    void unreadableRecordWithoutAUsableKeyHasNoRequestId(String key) {
        assertThat(unreadable(utf8(key), utf8("not json")).keyRequestId()).isNull();
    }

    // ---- tenant ----------------------------------------------------------------------------------------------

    @Test
    void tenantIsKeptOnTheEventAsWritten() {
        PromptEvent event = valid("k", "{\"prompt\": \"lofi\", \"tenant\": \"team-a.eu:1\"}");
        assertThat(event.tenant()).isEqualTo("team-a.eu:1");
        assertThat(event.tenantOrDefault()).isEqualTo("team-a.eu:1");
    }

    @Test
    void aPromptWithoutTenantBelongsToTheDefaultTenant() {
        PromptEvent event = valid("k", "{\"prompt\": \"lofi\"}");
        assertThat(event.tenant()).isNull();
        assertThat(event.tenantOrDefault()).isEqualTo(PromptEvent.DEFAULT_TENANT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "\"\"", "\"team a\"", "\"caf\u00e9\"", "{\"name\": \"a\"}", "LONG"})
    void tenantOutsideTheAlphabetOrLongerThan64MakesThePromptInvalidAndIsNotEchoed(String tenant) {
        String json = tenant.equals("LONG") ? "\"" + "t".repeat(65) + "\"" : tenant;
        ParsedPrompt.Invalid invalid = invalid("k", "{\"prompt\": \"lofi\", \"tenant\": " + json + "}");
        assertThat(invalid.error()).contains("tenant must be a string of 1 to 64 characters");
        assertThat(invalid.tenant()).isNull();
    }

    @Test
    void aValidTenantIsEchoedOnAnInvalidPrompt() {
        assertThat(invalid("k", "{\"prompt\": \"\", \"tenant\": \"" + "t".repeat(64) + "\"}")
                        .tenant())
                .isEqualTo("t".repeat(64));
    }

    // ---- callback_url ----------------------------------------------------------------------------------------

    @Test
    void callbackUrlIsKeptOnTheEventAsWritten() {
        assertThat(valid("k", "{\"prompt\": \"lofi\", \"callback_url\": \"https://hooks.example.com/songs?x=1\"}")
                        .callbackUrl())
                .isEqualTo("https://hooks.example.com/songs?x=1");
    }

    @Test
    void aPromptWithoutCallbackUrlHasNone() {
        assertThat(valid("k", "{\"prompt\": \"lofi\"}").callbackUrl()).isNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "42",
                "{\"url\": \"https://a.example\"}",
                "\"ftp://a.example/x\"",
                "\"/relative/path\"",
                "\"https://\"",
                "\"https://user:pw@a.example/\"",
                "\"https://a.example/#frag\"",
                "\"not a url\""
            })
    void callbackUrlThatIsNotAnAbsoluteHttpUrlMakesThePromptInvalid(String callbackUrl) {
        ParsedPrompt.Invalid invalid = invalid("k", "{\"prompt\": \"lofi\", \"callback_url\": " + callbackUrl + "}");
        assertThat(invalid.error()).contains("callback_url");
        assertThat(invalid.callbackUrl()).isNull();
    }

    @Test
    void callbackUrlLongerThanTheBoundMakesThePromptInvalid() {
        String url = "https://a.example/" + "x".repeat(PromptParser.MAX_CALLBACK_URL_LENGTH);
        assertThat(invalid("k", "{\"prompt\": \"lofi\", \"callback_url\": \"" + url + "\"}")
                        .error())
                .contains("callback_url has " + url.length() + " characters");
    }

    @Test
    void aValidCallbackUrlIsKeptOnAnInvalidPromptSoTheCallerHearsOfIt() {
        assertThat(invalid("k", "{\"prompt\": \"\", \"callback_url\": \"https://a.example/h\"}")
                        .callbackUrl())
                .isEqualTo("https://a.example/h");
    }
}
