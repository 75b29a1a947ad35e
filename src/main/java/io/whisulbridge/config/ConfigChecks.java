package io.whisulbridge.config;

import io.whisulbridge.tenancy.TenantWeights;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** Refuses to start on configuration that would fail later and less clearly. */
public final class ConfigChecks {

    private ConfigChecks() {}

    public static void requireValid(BridgeConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("whisul-bridge cannot start: " + String.join("; ", problems));
        }
    }

    public static List<String> problems(BridgeConfig config) {
        List<String> problems = new ArrayList<>();
        BridgeConfig.Whisul whisul = config.whisul();
        if (whisul.apiKey().map(String::isBlank).orElse(true)) {
            problems.add("WHISUL_API_KEY is not set (the Whisul API key, sent as a Bearer token)");
        }
        if (!isHttpUrl(whisul.baseUrl())) {
            problems.add("WHISUL_BASE_URL must be an absolute http(s) URL, was '" + whisul.baseUrl() + "'");
        }
        if (!positive(whisul.pollInterval()) || whisul.pollMaxInterval().compareTo(whisul.pollInterval()) < 0) {
            problems.add("WHISUL_POLL_INTERVAL must be positive and not above WHISUL_POLL_MAX_INTERVAL");
        }
        if (!positive(whisul.jobMaxWait()) || !positive(whisul.requestTimeout())) {
            problems.add("WHISUL_JOB_MAX_WAIT and WHISUL_REQUEST_TIMEOUT must be positive");
        }
        if (!(whisul.maxRequestsPerSecond() > 0)
                || Double.isInfinite(whisul.maxRequestsPerSecond())
                || !positive(whisul.rateRecoveryTime())) {
            problems.add("WHISUL_MAX_REQUESTS_PER_SECOND and WHISUL_RATE_RECOVERY_TIME must be positive (and finite)");
        }
        if (config.bridge().maxInFlight() < 1 || config.bridge().maxPromptLength() < 1) {
            problems.add("BRIDGE_MAX_IN_FLIGHT and BRIDGE_MAX_PROMPT_LENGTH must be at least 1");
        }
        if (config.bridge().maxQueued() < 1) {
            problems.add("BRIDGE_MAX_QUEUED must be at least 1");
        }
        try {
            TenantWeights.parse(config.bridge().tenantWeights().orElse(""));
        } catch (IllegalArgumentException malformed) {
            problems.add(malformed.getMessage());
        }
        Duration handOver = handOverWait(config);
        if (config.bridge().shutdownTimeout().minus(SHUTDOWN_MARGIN).compareTo(handOver) < 0) {
            problems.add("BRIDGE_SHUTDOWN_TIMEOUT (" + config.bridge().shutdownTimeout() + ") leaves less than "
                    + handOver + " (WHISUL_REQUEST_TIMEOUT plus a ledger write) for submits under way to be recorded; "
                    + "raise it or lower WHISUL_REQUEST_TIMEOUT");
        }
        problems.addAll(archiveProblems(config.archive()));
        Duration longest = longestRecordWait(config);
        if (config.bridge().unprocessedRecordMaxAgeMs() > 0
                && Duration.ofMillis(config.bridge().unprocessedRecordMaxAgeMs())
                                .compareTo(longest)
                        < 0) {
            problems.add(
                    "BRIDGE_UNPROCESSED_RECORD_MAX_AGE_MS (" + config.bridge().unprocessedRecordMaxAgeMs()
                            + ") is below the longest time a record legitimately waits for its outcome ("
                            + longest.toMillis()
                            + " ms: submit retries, WHISUL_JOB_MAX_WAIT and poll retries); the consumer would be declared stuck");
        }
        problems.addAll(webhookProblems(config.webhook()));
        return problems;
    }

    /** Never quotes a secret: a problem names its position in the list only. */
    static List<String> webhookProblems(BridgeConfig.Webhook webhook) {
        List<String> problems = new ArrayList<>();
        List<String> secrets = webhook.secret().stream()
                .flatMap(list -> Arrays.stream(list.split(",")))
                .map(String::trim)
                .filter(secret -> !secret.isEmpty())
                .toList();
        for (int i = 0; i < secrets.size(); i++) {
            if (!isWebhookSecret(secrets.get(i))) {
                problems.add("WEBHOOK_SECRET: secret #" + (i + 1) + " is not whsec_ followed by base64");
            }
        }
        List<String> urls = webhook.urls().stream()
                .flatMap(list -> Arrays.stream(list.split(",")))
                .map(String::trim)
                .filter(url -> !url.isEmpty())
                .toList();
        if (webhook.enabled() && !urls.isEmpty() && secrets.isEmpty()) {
            problems.add("WEBHOOK_URLS is set but WEBHOOK_SECRET is not: deliveries are signed (whsec_ + base64)");
        }
        for (String url : urls) {
            if (!isHttpUrl(url) || (!webhook.allowHttp() && !url.regionMatches(true, 0, "https:", 0, 6))) {
                problems.add("WEBHOOK_URLS: '" + url
                        + "' is not an absolute https URL (http only with WEBHOOK_ALLOW_HTTP=true)");
            }
        }
        if (webhook.schedule().isEmpty() || webhook.schedule().stream().anyMatch(step -> !positive(step))) {
            problems.add("WEBHOOK_SCHEDULE must list positive durations, e.g. 5s,5m,30m,2h,5h");
        }
        if (!(webhook.jitter() >= 0 && webhook.jitter() < 1)) {
            problems.add("WEBHOOK_JITTER must be at least 0 and below 1");
        }
        if (!positive(webhook.timeout()) || webhook.maxInFlight() < 1) {
            problems.add("WEBHOOK_TIMEOUT must be positive and WEBHOOK_MAX_IN_FLIGHT at least 1");
        }
        return problems;
    }

    private static List<String> archiveProblems(BridgeConfig.Archive archive) {
        List<String> problems = new ArrayList<>();
        if (!archive.enabled()) {
            return problems;
        }
        if (archive.s3().bucket().orElse("").isBlank()) {
            problems.add("ARCHIVE_S3_BUCKET must not be blank");
        }
        if (archive.s3().region().map(String::isBlank).orElse(true)) {
            problems.add("ARCHIVE_S3_REGION is required when ARCHIVE_S3_BUCKET is set (e.g. eu-west-1; any name for "
                    + "S3-compatible servers that ignore it)");
        }
        if (archive.s3().endpoint().isPresent()
                && !isHttpUrl(archive.s3().endpoint().get())) {
            problems.add("ARCHIVE_S3_ENDPOINT must be an absolute http(s) URL or empty (AWS), was '"
                    + archive.s3().endpoint().get() + "'");
        }
        if (archive.maxConcurrent() < 1) {
            problems.add("ARCHIVE_MAX_CONCURRENT must be at least 1");
        }
        if (!positive(archive.deadline())
                || !positive(archive.transferTimeout())
                || !positive(archive.retryMaxBackoff())) {
            problems.add("ARCHIVE_DEADLINE, ARCHIVE_TRANSFER_TIMEOUT and ARCHIVE_RETRY_MAX_BACKOFF must be positive");
        }
        return problems;
    }

    private static boolean isWebhookSecret(String secret) {
        if (!secret.startsWith("whsec_") || secret.length() == "whsec_".length()) {
            return false;
        }
        try {
            Base64.getDecoder().decode(secret.substring("whsec_".length()));
            return true;
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
    }

    /** Kept back at shutdown for the connectors to close after the hand-over. */
    public static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(5);

    /** How long a hand-over waits for a submit under way: one request, then its ledger write. */
    public static Duration handOverWait(BridgeConfig config) {
        return config.whisul().requestTimeout().plusSeconds(6);
    }

    /** Submit retries, the polling deadline plus a retry budget past it, and one publish backoff. */
    static Duration longestRecordWait(BridgeConfig config) {
        BridgeConfig.Whisul whisul = config.whisul();
        Duration perRetry =
                whisul.retryMaxBackoff().plus(whisul.requestTimeout()).plusSeconds(1);
        Duration retries = perRetry.multipliedBy(whisul.maxRetries() + 1L);
        Duration archiving = config.archive().enabled() ? config.archive().deadline() : Duration.ZERO;
        return retries.multipliedBy(2)
                .plus(whisul.jobMaxWait())
                .plus(whisul.pollMaxInterval())
                .plus(archiving)
                .plus(config.bridge().publishRetryBackoff());
    }

    private static boolean positive(Duration duration) {
        return !duration.isNegative() && !duration.isZero();
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = URI.create(url);
            return uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()));
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }
}
