package io.whisulbridge.cli;

import io.whisulbridge.config.TopicSet;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a local run reads from its environment: where its data goes, its ports, and whether it starts a broker and
 * the emulator or uses the developer's own ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code WHISUL_BASE_URL}).
 */
record LocalRunSettings(
        Path root,
        Path runDir,
        int kafkaPort,
        int controllerPort,
        int emulatorPort,
        int httpPort,
        int managementPort,
        boolean keepData,
        String externalBootstrap,
        String externalWhisul,
        String apiKey,
        TopicSet topics,
        String webhookSecret,
        int s3Port,
        String externalBucket) {

    /**
     * The signing secret of a local run's webhooks unless WEBHOOK_SECRET is set: fixed, so that {@code try --webhook}
     * (another process) verifies with the secret the bridge signs with. It guards nothing: the local run's receiver
     * listens on 127.0.0.1 only.
     */
    static final String LOCAL_WEBHOOK_SECRET = "whsec_cnVuLWxvY2FsLXdlYmhvb2stc2VjcmV0";

    /** The bucket of the local S3 server, created when it starts. */
    static final String ARCHIVE_BUCKET = "songs";

    static LocalRunSettings from(Map<String, String> env, Path root) {
        Path runDir = root.resolve(env.getOrDefault("RUN_LOCAL_DIR", ".run")).normalize();
        int kafkaPort = port(env, "RUN_LOCAL_KAFKA_PORT", 9092);
        String whisul = blankToNull(env.get("WHISUL_BASE_URL"));
        String key = blankToNull(env.get("WHISUL_API_KEY"));
        if (whisul != null && key == null) {
            throw new IllegalArgumentException("WHISUL_BASE_URL is set but WHISUL_API_KEY is not: set both to use "
                    + "your own Whisul, or neither for the emulator");
        }
        if (key == null) {
            String emulatorKeys = env.getOrDefault(
                    "WHISUL_EMULATOR_API_KEYS", env.getOrDefault("WHISUL_EMULATOR_API_KEY", "local-dev-key"));
            key = emulatorKeys.split(",")[0].trim();
        }
        return new LocalRunSettings(
                root,
                runDir,
                kafkaPort,
                port(env, "RUN_LOCAL_KAFKA_CONTROLLER_PORT", kafkaPort + 1),
                port(env, "RUN_LOCAL_EMULATOR_PORT", 8090),
                port(env, "BRIDGE_HTTP_PORT", 8080),
                port(env, "BRIDGE_MANAGEMENT_PORT", 9000),
                "1".equals(env.get("RUN_LOCAL_KEEP_DATA")),
                blankToNull(env.get("KAFKA_BOOTSTRAP_SERVERS")),
                whisul,
                key,
                TopicSet.fromEnvironment(env),
                Objects.requireNonNullElse(blankToNull(env.get("WEBHOOK_SECRET")), LOCAL_WEBHOOK_SECRET),
                port(env, "RUN_LOCAL_S3_PORT", 9190),
                blankToNull(env.get("ARCHIVE_S3_BUCKET")));
    }

    boolean ownsKafka() {
        return externalBootstrap == null;
    }

    boolean ownsEmulator() {
        return externalWhisul == null;
    }

    /** No ARCHIVE_S3_BUCKET of the developer's: the run starts its own S3 server and the bridge archives there. */
    boolean ownsArchive() {
        return externalBucket == null;
    }

    String s3Endpoint() {
        return "http://127.0.0.1:" + s3Port;
    }

    String bootstrap() {
        return ownsKafka() ? "127.0.0.1:" + kafkaPort : externalBootstrap;
    }

    String whisulUrl() {
        return ownsEmulator() ? "http://127.0.0.1:" + emulatorPort + "/api" : externalWhisul;
    }

    Path logs() {
        return runDir.resolve("logs");
    }

    /** Every process a run starts carries this flag, so that the next run finds what a killed run left behind. */
    String ownerFlag() {
        return "-Drun-local.dir=" + runDir;
    }

    /** A path as the developer typed it: relative to the project when inside it. */
    String shown(Path path) {
        return path.startsWith(root) ? root.relativize(path).toString() : path.toString();
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a port number (1-65535), not '" + value + "'");
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
