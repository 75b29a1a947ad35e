package io.whisulbridge.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The process-level tests share one emulator, which counts submissions by prompt; two tests with the same request-id
 * prefix would count each other's submissions as duplicates (seen: ArchiveIT's "k9-0" made CrashRecoveryIT report
 * three duplicate submissions).
 */
class RequestIdPrefixesTest {

    private static final Pattern PREFIX = Pattern.compile("requestIds\\(\"([^\"]+)\"");

    @Test
    void everyProcessTestUsesRequestIdPrefixesOfItsOwn() throws Exception {
        List<String> prefixes = new ArrayList<>();
        try (Stream<Path> sources = Files.list(Path.of("src/test/java/io/whisulbridge/durability"))) {
            for (Path source :
                    sources.filter(p -> p.toString().endsWith("IT.java")).toList()) {
                Matcher m = PREFIX.matcher(Files.readString(source));
                while (m.find()) {
                    prefixes.add(m.group(1));
                }
            }
        }
        assertThat(prefixes)
                .as("request-id prefixes of the process tests")
                .isNotEmpty()
                .doesNotHaveDuplicates();
    }
}
