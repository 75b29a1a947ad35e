package io.whisulbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class WhisulFormatsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Java null stands for an absent field. */
    private static JsonNode json(String text) {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    @Test
    void durationAsIntegerSecondsIsKept() {
        assertThat(WhisulFormats.durationSeconds(json("187"))).isEqualTo(187);
    }

    @ParameterizedTest(name = "\"{0}\" -> {1} s")
    @CsvSource({"3:07, 187", "2:47, 167", "0:45, 45", "03:07, 187", "' 3:07 ', 187", "1:03:07, 3787", "187, 187"})
    void durationAsClockOrDigitsStringBecomesSeconds(String text, int seconds) {
        assertThat(WhisulFormats.durationSeconds(JSON.getNodeFactory().textNode(text)))
                .isEqualTo(seconds);
    }

    @Test
    void fractionalDurationIsRoundedToWholeSeconds() {
        assertThat(WhisulFormats.durationSeconds(json("187.4"))).isEqualTo(187);
        assertThat(WhisulFormats.durationSeconds(json("187.6"))).isEqualTo(188);
    }

    @ParameterizedTest(name = "{0} -> null")
    @NullSource
    @ValueSource(
            strings = {"\"abc\"", "\"3:7\"", "\"3:60\"", "\"-5\"", "\"\"", "-1", "true", "null", "{}", "[187]", "1e12"})
    void absentOrUnreadableDurationBecomesNull(String node) {
        assertThat(WhisulFormats.durationSeconds(json(node))).isNull();
    }

    @Test
    void naiveUtcTimestampBecomesIsoInstantWithZ() {
        assertThat(WhisulFormats.isoInstant(json("\"2025-03-01 14:02:11\""))).isEqualTo("2025-03-01T14:02:11Z");
    }

    @Test
    void isoTimestampWithOffsetIsNormalisedToUtc() {
        assertThat(WhisulFormats.isoInstant(json("\"2025-03-01T15:02:11+01:00\"")))
                .isEqualTo("2025-03-01T14:02:11Z");
    }

    @ParameterizedTest(name = "{0} -> null")
    @NullSource
    @ValueSource(strings = {"\"yesterday\"", "\"2025-13-01 14:02:11\"", "\"\"", "1740837731", "null"})
    void absentOrUnreadableTimestampBecomesNull(String node) {
        assertThat(WhisulFormats.isoInstant(json(node))).isNull();
    }

    @Test
    void tagsAreSplitOnCommasTrimmedAndEmptiesDropped() {
        assertThat(WhisulFormats.tags(json("\"trap, dark,, 808s \""))).containsExactly("trap", "dark", "808s");
    }

    @ParameterizedTest(name = "{0} -> []")
    @NullSource
    @ValueSource(strings = {"\"\"", "\" , ,\"", "null"})
    void absentEmptyOrNullTagsBecomeEmptyList(String node) {
        assertThat(WhisulFormats.tags(json(node))).isNotNull().isEmpty();
    }

    @Test
    void tagsSentAsArrayAreAcceptedTrimmedAndEmptiesDropped() {
        assertThat(WhisulFormats.tags(json("[\"trap\", \" dark \", \"\"]"))).containsExactly("trap", "dark");
    }
}
