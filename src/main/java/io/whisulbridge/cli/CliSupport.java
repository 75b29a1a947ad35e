package io.whisulbridge.cli;

import io.quarkus.runtime.configuration.DurationConverter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Small helpers shared by the command-line tools of {@code ./run-local}: arguments, environment, durations, files. */
final class CliSupport {

    /** Exit code for bad arguments or an unusable environment (no broker, missing topic). */
    static final int EXIT_SETUP = 2;

    private CliSupport() {}

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    static String defaultBootstrap() {
        return env("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
    }

    /**
     * Splits {@code --name=value} / {@code --name value} options from positional arguments. Options listed in
     * {@code flags} take no value. Unknown options are rejected.
     */
    static final class Args {
        final Map<String, String> options = new LinkedHashMap<>();
        final List<String> positional = new ArrayList<>();

        static Args parse(String[] args, List<String> valued, List<String> flags) {
            Args parsed = new Args();
            boolean onlyPositional = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (onlyPositional || !arg.startsWith("--")) {
                    parsed.positional.add(arg);
                    continue;
                }
                if (arg.equals("--")) {
                    onlyPositional = true;
                    continue;
                }
                int eq = arg.indexOf('=');
                String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
                if (flags.contains(name)) {
                    parsed.options.put(name, "true");
                } else if (valued.contains(name)) {
                    if (eq >= 0) {
                        parsed.options.put(name, arg.substring(eq + 1));
                    } else if (i + 1 < args.length) {
                        parsed.options.put(name, args[++i]);
                    } else {
                        throw new IllegalArgumentException("option --" + name + " needs a value");
                    }
                } else {
                    throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            return parsed;
        }

        String get(String name, String fallback) {
            return options.getOrDefault(name, fallback);
        }

        boolean flag(String name) {
            return options.containsKey(name);
        }
    }

    /** {@code 90s}, {@code 3m}, {@code 500ms}, {@code PT2M} or whole seconds: read as the bridge reads its settings. */
    static Duration duration(String text) {
        try {
            Duration parsed = DurationConverter.parseDuration(text);
            if (parsed != null) {
                return parsed;
            }
        } catch (RuntimeException e) {
            // said below, with examples
        }
        throw new IllegalArgumentException("not a duration: '" + text + "' (examples: 90s, 3m, 500ms)");
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
