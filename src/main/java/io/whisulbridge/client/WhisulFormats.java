package io.whisulbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Whisul's field formats, including the forms its own documentation disagrees on. */
public final class WhisulFormats {

    private static final DateTimeFormatter WHISUL_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final Pattern CLOCK = Pattern.compile("(?:(\\d+):)?(\\d+):([0-5]\\d)");

    private WhisulFormats() {}

    /** {@code 187}, {@code 187.4}, {@code "187"}, {@code "3:07"} and {@code "1:03:07"} all become seconds; else null. */
    public static Integer durationSeconds(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            double seconds = node.asDouble();
            return seconds >= 0 && seconds < Integer.MAX_VALUE ? (int) Math.round(seconds) : null;
        }
        if (!node.isTextual()) {
            return null;
        }
        String text = node.asText().trim();
        if (text.matches("\\d{1,9}")) {
            return Integer.parseInt(text);
        }
        Matcher clock = CLOCK.matcher(text);
        if (!clock.matches()) {
            return null;
        }
        long hours = clock.group(1) == null ? 0 : Long.parseLong(clock.group(1));
        long total = hours * 3600 + Long.parseLong(clock.group(2)) * 60 + Long.parseLong(clock.group(3));
        return total < Integer.MAX_VALUE ? (int) total : null;
    }

    /** Whisul sends naive UTC ({@code 2025-03-01 14:02:11}); we publish ISO-8601 with {@code Z}. */
    public static String isoInstant(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        String text = node.asText().trim();
        try {
            return LocalDateTime.parse(text, WHISUL_TIMESTAMP)
                    .toInstant(ZoneOffset.UTC)
                    .toString();
        } catch (DateTimeParseException notWhisulForm) {
            try {
                return OffsetDateTime.parse(text).toInstant().toString();
            } catch (DateTimeParseException notIsoEither) {
                return null;
            }
        }
    }

    /** {@code "trap, dark,, 808s "} becomes {@code [trap, dark, 808s]}; an array is accepted too. */
    public static List<String> tags(JsonNode node) {
        List<String> tags = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tags;
        }
        if (node.isArray()) {
            node.forEach(element -> addTag(tags, element.asText()));
        } else {
            for (String part : node.asText().split(",")) {
                addTag(tags, part);
            }
        }
        return tags;
    }

    private static void addTag(List<String> tags, String raw) {
        String tag = raw.trim();
        if (!tag.isEmpty()) {
            tags.add(tag);
        }
    }
}
