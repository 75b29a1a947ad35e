package io.whisulbridge.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Which Kafka broker the tests get, and why. A Docker engine alone is not enough for Testcontainers: where no registry
 * is reachable (this project's machines, air-gapped CI) it would try to pull its images for minutes and every test
 * using the broker would fail. So, unless told otherwise, Testcontainers is chosen only when the engine already has
 * every image it needs; otherwise the in-JVM broker. Pure: what Docker has is asked through {@link Docker}, lazily.
 */
public record BrokerChoice(Broker broker, String reason) {

    /** The switch, a system property: {@code -Dkafka.broker=auto|in-jvm|testcontainers}. */
    public static final String PROPERTY = "kafka.broker";
    /** The older switch; {@code true} still means {@code in-jvm}. */
    public static final String LEGACY_IN_JVM_PROPERTY = "kafka.in-jvm";
    /** Where a test JVM keeps the choice once made (see {@link #asRecord()}). */
    public static final String DECIDED_PROPERTY = "kafka.broker.decided";

    public enum Broker {
        IN_JVM("in-JVM KRaft broker"),
        TESTCONTAINERS("Testcontainers KafkaContainer");

        private final String description;

        Broker(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    public enum Mode {
        AUTO,
        IN_JVM,
        TESTCONTAINERS
    }

    /** The switch as set: its mode, and the setting that chose it (for the log line). */
    public record Switch(Mode mode, String setting) {

        /** Reads the system properties; a value it does not know fails rather than choosing a broker silently. */
        public static Switch fromProperties(Properties properties) {
            String value = properties.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
            boolean legacyInJvm = Boolean.parseBoolean(
                    properties.getProperty(LEGACY_IN_JVM_PROPERTY, "").trim());
            if (value.isEmpty()) {
                return legacyInJvm
                        ? new Switch(Mode.IN_JVM, "-D" + LEGACY_IN_JVM_PROPERTY + "=true")
                        : new Switch(Mode.AUTO, "auto (the default)");
            }
            Mode mode = switch (value) {
                case "auto" -> Mode.AUTO;
                case "in-jvm" -> Mode.IN_JVM;
                case "testcontainers" -> Mode.TESTCONTAINERS;
                default ->
                    throw new IllegalArgumentException("-D" + PROPERTY + "=" + value
                            + " is not a broker choice: use auto, in-jvm or testcontainers");
            };
            if (legacyInJvm && mode != Mode.IN_JVM) {
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + " contradicts -D"
                        + LEGACY_IN_JVM_PROPERTY + "=true: keep only one");
            }
            return new Switch(mode, "-D" + PROPERTY + "=" + value);
        }
    }

    /** The Docker engine as Testcontainers would use it. Each answer must come quickly and without pulling. */
    public interface Docker {
        boolean engineAvailable();

        boolean hasImage(String image);
    }

    /** The images a Testcontainers broker needs: Kafka's, and Ryuk's (its reaper) unless Ryuk is turned off. */
    public static List<String> requiredImages(String kafkaImage, String ryukImage, boolean ryukDisabled) {
        return ryukDisabled ? List.of(kafkaImage) : List.of(kafkaImage, ryukImage);
    }

    public static BrokerChoice decide(Switch choice, List<String> images, Docker docker) {
        if (choice.mode() == Mode.IN_JVM) {
            return new BrokerChoice(Broker.IN_JVM, "forced by " + choice.setting());
        }
        if (choice.mode() == Mode.TESTCONTAINERS) {
            return new BrokerChoice(
                    Broker.TESTCONTAINERS, "forced by " + choice.setting() + "; images missing locally are pulled");
        }
        if (!docker.engineAvailable()) {
            return new BrokerChoice(Broker.IN_JVM, choice.setting() + ": no Docker engine answers");
        }
        List<String> missing = new ArrayList<>();
        for (String image : images) {
            if (!docker.hasImage(image)) {
                missing.add(image);
            }
        }
        if (!missing.isEmpty()) {
            return new BrokerChoice(
                    Broker.IN_JVM,
                    choice.setting() + ": a Docker engine answers but lacks "
                            + String.join(", ", missing) + " locally, and nothing is pulled unless -D" + PROPERTY
                            + "=testcontainers");
        }
        return new BrokerChoice(
                Broker.TESTCONTAINERS,
                choice.setting() + ": a Docker engine answers and has " + String.join(", ", images) + " locally");
    }

    /** The choice as one line of text, to be read back by {@link #fromRecord(String)}. */
    public String asRecord() {
        return broker.name() + " " + reason;
    }

    /** The choice {@link #asRecord()} wrote; null for null or text it did not write. */
    public static BrokerChoice fromRecord(String record) {
        if (record == null) {
            return null;
        }
        String[] parts = record.split(" ", 2);
        for (Broker b : Broker.values()) {
            if (parts.length == 2 && b.name().equals(parts[0])) {
                return new BrokerChoice(b, parts[1]);
            }
        }
        return null;
    }

    /** The one line the tests' log gets. */
    public String logLine() {
        return "Kafka broker for the tests: " + broker.description() + "; " + reason + " (choose with -D" + PROPERTY
                + "=auto|in-jvm|testcontainers)";
    }
}
