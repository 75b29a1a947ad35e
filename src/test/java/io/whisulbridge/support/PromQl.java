package io.whisulbridge.support;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough PromQL reading to list the metrics an expression selects; no evaluation. */
public final class PromQl {

    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "inf",
            "nan");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*");

    private PromQl() {}

    /**
     * Identifiers that are neither functions (followed by a parenthesis) nor keywords, once string literals, label
     * matchers, ranges, grouping clauses and offsets are out of the way: what is left are metric names.
     */
    public static Set<String> metricNames(String expression) {
        String bare = expression
                .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\boffset\\s+-?\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher token = IDENTIFIER.matcher(bare);
        while (token.find()) {
            boolean function = bare.substring(token.end()).stripLeading().startsWith("(");
            if (!function && !KEYWORDS.contains(token.group().toLowerCase(Locale.ROOT))) {
                names.add(token.group());
            }
        }
        return names;
    }
}
