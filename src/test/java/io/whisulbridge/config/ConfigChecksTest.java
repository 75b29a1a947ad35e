package io.whisulbridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.whisulbridge.support.BridgeConfigs;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Start-up checks, against the real {@link BridgeConfig} mapping with its documented defaults. */
class ConfigChecksTest {

    private static final BridgeConfig DEFAULTS = config(Map.of());

    static BridgeConfig config(Map<String, String> overrides) {
        return BridgeConfigs.config(overrides);
    }

    private static SmallRyeConfigBuilder quarkusDurations() {
        return BridgeConfigs.quarkusDurations();
    }

    @Test
    void defaultsWithAKeyAreValid() {
        assertThat(ConfigChecks.problems(DEFAULTS)).isEmpty();
        assertThatCode(() -> ConfigChecks.requireValid(DEFAULTS)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @ValueSource(strings = {"", "   "})
    void blankApiKeyIsAProblem(String key) {
        assertThat(ConfigChecks.problems(config(Map.of("whisul.api-key", key))))
                .singleElement()
                .asString()
                .contains("WHISUL_API_KEY");
    }

    @Test
    void missingApiKeyIsAProblem() {
        SmallRyeConfig withoutKey =
                quarkusDurations().withMapping(BridgeConfig.class).build();

        assertThat(ConfigChecks.problems(withoutKey.getConfigMapping(BridgeConfig.class)))
                .singleElement()
                .asString()
                .contains("WHISUL_API_KEY");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"whisul.com/api", "ftp://whisul.com/api", "https://", "http://exa mple.com", "/api"})
    void baseUrlThatIsNotAnAbsoluteHttpUrlIsAProblem(String url) {
        assertThat(ConfigChecks.problems(config(Map.of("whisul.base-url", url))))
                .singleElement()
                .asString()
                .contains("WHISUL_BASE_URL");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"http://127.0.0.1:8089", "https://whisul.com/api", "http://localhost:8089/api/"})
    void httpAndHttpsBaseUrlsAreAccepted(String url) {
        assertThat(ConfigChecks.problems(config(Map.of("whisul.base-url", url))))
                .isEmpty();
    }

    @Test
    void pollIntervalAboveTheMaximumIsAProblem() {
        BridgeConfig config = config(Map.of("whisul.poll-interval", "20s", "whisul.poll-max-interval", "10s"));

        assertThat(ConfigChecks.problems(config)).singleElement().asString().contains("WHISUL_POLL_INTERVAL");
    }

    @Test
    void durationsAcceptQuarkusAndIsoForms() {
        BridgeConfig config = config(Map.of("whisul.poll-interval", "PT7S", "whisul.poll-max-interval", "9s"));

        assertThat(config.whisul().pollInterval()).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.whisul().pollMaxInterval()).isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void zeroJobMaxWaitIsAProblem() {
        assertThat(ConfigChecks.problems(config(Map.of("whisul.job-max-wait", "0s"))))
                .singleElement()
                .asString()
                .contains("WHISUL_JOB_MAX_WAIT");
    }

    @Test
    void maxQueuedBelowOneIsAProblem() {
        assertThat(ConfigChecks.problems(config(Map.of("bridge.max-queued", "0"))))
                .singleElement()
                .asString()
                .contains("BRIDGE_MAX_QUEUED");
    }

    @Test
    void malformedTenantWeightsAreAProblemNamingTheTenant() {
        assertThat(ConfigChecks.problems(config(Map.of("bridge.tenant-weights", "gold=4,silver=lots"))))
                .singleElement()
                .asString()
                .contains("BRIDGE_TENANT_WEIGHTS", "'silver'");
    }

    @Test
    void maxInFlightBelowOneIsAProblem() {
        assertThat(ConfigChecks.problems(config(Map.of("bridge.max-in-flight", "0"))))
                .singleElement()
                .asString()
                .contains("BRIDGE_MAX_IN_FLIGHT");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "whisul.max-requests-per-second, 0",
        "whisul.max-requests-per-second, -5",
        "whisul.max-requests-per-second, NaN",
        "whisul.max-requests-per-second, Infinity",
        "whisul.rate-recovery-time, 0s"
    })
    void aRequestBudgetThatCannotLetCallsThroughIsAProblem(String property, String value) {
        assertThat(ConfigChecks.problems(config(Map.of(property, value))))
                .singleElement()
                .asString()
                .contains("WHISUL_MAX_REQUESTS_PER_SECOND");
    }

    @Test
    void aFractionalRequestBudgetIsAccepted() {
        BridgeConfig config = config(Map.of("whisul.max-requests-per-second", "0.5"));

        assertThat(ConfigChecks.problems(config)).isEmpty();
        assertThat(DEFAULTS.whisul().maxRequestsPerSecond()).isEqualTo(20);
    }

    @Test
    void longestRecordWaitOfTheDefaultsCoversSubmitRetriesTheDeadlineAndPollRetries() {
        // per retry 30 s backoff + 10 s timeout + 1 s; 9 calls each for submit and poll; 10 min; 10 s; 5 s
        assertThat(ConfigChecks.longestRecordWait(DEFAULTS)).isEqualTo(Duration.ofSeconds(2 * 9 * 41 + 600 + 10 + 5));
    }

    @Test
    void maxAgeBelowTheLongestRecordWaitIsAProblem() {
        long justBelow = ConfigChecks.longestRecordWait(DEFAULTS).toMillis() - 1;

        assertThat(ConfigChecks.problems(
                        config(Map.of("bridge.unprocessed-record-max-age-ms", Long.toString(justBelow)))))
                .singleElement()
                .asString()
                .contains("BRIDGE_UNPROCESSED_RECORD_MAX_AGE_MS")
                .contains(Long.toString(justBelow));
    }

    @Test
    void maxAgeEqualToTheLongestRecordWaitIsAccepted() {
        long exactly = ConfigChecks.longestRecordWait(DEFAULTS).toMillis();

        assertThat(ConfigChecks.problems(
                        config(Map.of("bridge.unprocessed-record-max-age-ms", Long.toString(exactly)))))
                .isEmpty();
    }

    @Test
    void zeroMaxAgeDisablesTheStuckRecordCheck() {
        assertThat(ConfigChecks.problems(config(Map.of("bridge.unprocessed-record-max-age-ms", "0"))))
                .isEmpty();
    }

    @Test
    void shutdownTimeoutTooShortForASubmitUnderWayIsAProblem() {
        BridgeConfig config = config(Map.of("bridge.shutdown-timeout", "20s", "whisul.request-timeout", "10s"));

        assertThat(ConfigChecks.problems(config))
                .singleElement()
                .asString()
                .contains("BRIDGE_SHUTDOWN_TIMEOUT")
                .contains("WHISUL_REQUEST_TIMEOUT");
    }

    @Test
    void requireValidListsEveryProblemInOneMessage() {
        BridgeConfig config = config(Map.of(
                "whisul.api-key", "", "whisul.base-url", "nope", "bridge.unprocessed-record-max-age-ms", "1000"));

        assertThat(ConfigChecks.problems(config)).hasSize(3);
        assertThatIllegalStateException()
                .isThrownBy(() -> ConfigChecks.requireValid(config))
                .withMessageContaining("WHISUL_API_KEY")
                .withMessageContaining("WHISUL_BASE_URL")
                .withMessageContaining("BRIDGE_UNPROCESSED_RECORD_MAX_AGE_MS");
    }

    // ---- webhooks ----------------------------------------------------------------------------------------------

    @Test
    void aWebhookSecretThatIsNotWhsecBase64IsNamedByPositionNeverQuoted() {
        String secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=,s3cr3t-not-prefixed";
        assertThat(ConfigChecks.problems(config(Map.of("webhook.secret", secret))))
                .singleElement()
                .asString()
                .isEqualTo("WEBHOOK_SECRET: secret #2 is not whsec_ followed by base64")
                .doesNotContain("s3cr3t");
    }

    @Test
    void operatorUrlsWithoutASecretCannotBeSigned() {
        assertThat(ConfigChecks.problems(config(Map.of("webhook.urls", "https://hooks.example.com/a"))))
                .singleElement()
                .asString()
                .contains("WEBHOOK_URLS is set but WEBHOOK_SECRET is not");
    }

    @Test
    void anOperatorUrlOverPlainHttpNeedsTheSwitch() {
        Map<String, String> plain = Map.of(
                "webhook.urls", "http://hooks.example.com/a", "webhook.secret", "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=");
        assertThat(ConfigChecks.problems(config(plain)))
                .singleElement()
                .asString()
                .contains("WEBHOOK_ALLOW_HTTP");
        Map<String, String> allowed = new java.util.HashMap<>(plain);
        allowed.put("webhook.allow-http", "true");
        assertThat(ConfigChecks.problems(config(allowed))).isEmpty();
    }

    @Test
    void aWebhookScheduleStepMustBePositive() {
        assertThat(ConfigChecks.problems(config(Map.of("webhook.schedule", "5s,0s"))))
                .singleElement()
                .asString()
                .contains("WEBHOOK_SCHEDULE");
    }

    @Test
    void archivingIsOffWithoutABucketAndOnWithOne() {
        assertThat(DEFAULTS.archive().enabled()).isFalse();
        BridgeConfig on = config(Map.of("archive.s3.bucket", "songs", "archive.s3.region", "eu-west-1"));
        assertThat(on.archive().enabled()).isTrue();
        assertThat(on.archive().deadline()).isEqualTo(Duration.ofMinutes(10));
        assertThat(on.archive().maxConcurrent()).isEqualTo(16);
        assertThat(on.archive().s3().pathStyle()).isFalse();
        // the default record age still covers a job that also waits the whole archive deadline
        assertThat(ConfigChecks.problems(on)).isEmpty();
    }

    @Test
    void aBucketWithoutARegionIsAProblem() {
        assertThat(ConfigChecks.problems(config(Map.of("archive.s3.bucket", "songs"))))
                .singleElement()
                .asString()
                .contains("ARCHIVE_S3_REGION");
    }

    @Test
    void anArchiveEndpointMustBeAnHttpUrl() {
        assertThat(ConfigChecks.problems(config(Map.of(
                        "archive.s3.bucket",
                        "songs",
                        "archive.s3.region",
                        "x",
                        "archive.s3.endpoint",
                        "localhost:9090"))))
                .singleElement()
                .asString()
                .contains("ARCHIVE_S3_ENDPOINT");
    }

    @Test
    void theArchiveDeadlineCountsTowardTheLongestRecordWaitOnlyWhenArchivingIsOn() {
        Duration off = ConfigChecks.longestRecordWait(DEFAULTS);
        Duration on = ConfigChecks.longestRecordWait(
                config(Map.of("archive.s3.bucket", "songs", "archive.s3.region", "x", "archive.deadline", "7m")));
        assertThat(on.minus(off)).isEqualTo(Duration.ofMinutes(7));
    }
}
