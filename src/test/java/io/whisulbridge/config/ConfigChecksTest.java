package io.whisulbridge.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Start-up checks, against a hand-written {@link BridgeConfig} that starts from the documented defaults. */
class ConfigChecksTest {

    record TestWhisul(String baseUrl, Optional<String> apiKey, Duration pollInitialDelay, Duration pollInterval,
                  Duration pollMaxInterval, double pollBackoffFactor, double pollJitter, Duration jobMaxWait,
                  Duration requestTimeout, int maxRetries, Duration retryInitialBackoff, Duration retryMaxBackoff,
                  int maxConnections, Duration authRecheckInterval) implements BridgeConfig.Whisul {

        static TestWhisul defaults() {
            return new TestWhisul("https://whisul.com/api", Optional.of("wk_test_123"), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(10), 1.5, 0.2, Duration.ofMinutes(10),
                    Duration.ofSeconds(30), 8, Duration.ofSeconds(1), Duration.ofSeconds(30), 100, Duration.ofSeconds(30));
        }

        TestWhisul withBaseUrl(String url) {
            return new TestWhisul(url, apiKey, pollInitialDelay, pollInterval, pollMaxInterval, pollBackoffFactor, pollJitter,
                    jobMaxWait, requestTimeout, maxRetries, retryInitialBackoff, retryMaxBackoff, maxConnections, authRecheckInterval);
        }

        TestWhisul withApiKey(Optional<String> key) {
            return new TestWhisul(baseUrl, key, pollInitialDelay, pollInterval, pollMaxInterval, pollBackoffFactor, pollJitter,
                    jobMaxWait, requestTimeout, maxRetries, retryInitialBackoff, retryMaxBackoff, maxConnections, authRecheckInterval);
        }

        TestWhisul withPolling(Duration interval, Duration maxInterval) {
            return new TestWhisul(baseUrl, apiKey, pollInitialDelay, interval, maxInterval, pollBackoffFactor, pollJitter,
                    jobMaxWait, requestTimeout, maxRetries, retryInitialBackoff, retryMaxBackoff, maxConnections, authRecheckInterval);
        }

        TestWhisul withJobMaxWait(Duration maxWait) {
            return new TestWhisul(baseUrl, apiKey, pollInitialDelay, pollInterval, pollMaxInterval, pollBackoffFactor, pollJitter,
                    maxWait, requestTimeout, maxRetries, retryInitialBackoff, retryMaxBackoff, maxConnections, authRecheckInterval);
        }
    }

    record TestTopics(String prompts, String songs, String failures, String deadLetter) implements BridgeConfig.Topics {
    }

    record TestBridge(int maxInFlight, int maxPromptLength, int maxMetadataBytes, String consumerGroup,
                  long unprocessedRecordMaxAgeMs, Duration publishRetryBackoff, TestTopics topics) implements BridgeConfig.Bridge {

        static TestBridge defaults() {
            return new TestBridge(1000, 2000, 4096, "whisul-bridge", 1_800_000, Duration.ofSeconds(5),
                    new TestTopics("song-prompts", "songs", "song-failures", "song-prompts-dlq"));
        }

        TestBridge withMaxAgeMs(long maxAgeMs) {
            return new TestBridge(maxInFlight, maxPromptLength, maxMetadataBytes, consumerGroup, maxAgeMs, publishRetryBackoff, topics);
        }

        TestBridge withMaxInFlight(int max) {
            return new TestBridge(max, maxPromptLength, maxMetadataBytes, consumerGroup, unprocessedRecordMaxAgeMs, publishRetryBackoff, topics);
        }
    }

    record TestConfig(TestWhisul whisul, TestBridge bridge) implements BridgeConfig {
        static TestConfig defaults() {
            return new TestConfig(TestWhisul.defaults(), TestBridge.defaults());
        }
    }

    private static final TestConfig DEFAULTS = TestConfig.defaults();

    @Test
    void defaultsWithAKeyAreValid() {
        assertThat(ConfigChecks.problems(DEFAULTS)).isEmpty();
        assertThatCode(() -> ConfigChecks.requireValid(DEFAULTS)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @NullSource
    @ValueSource(strings = {"", "   "})
    void missingOrBlankApiKeyIsAProblem(String key) {
        TestConfig config = new TestConfig(TestWhisul.defaults().withApiKey(Optional.ofNullable(key)), TestBridge.defaults());

        assertThat(ConfigChecks.problems(config)).singleElement().asString().contains("WHISUL_API_KEY");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"whisul.com/api", "ftp://whisul.com/api", "https://", "http://exa mple.com", "", "/api"})
    void baseUrlThatIsNotAnAbsoluteHttpUrlIsAProblem(String url) {
        TestConfig config = new TestConfig(TestWhisul.defaults().withBaseUrl(url), TestBridge.defaults());

        assertThat(ConfigChecks.problems(config)).singleElement().asString().contains("WHISUL_BASE_URL");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"http://127.0.0.1:8089", "https://whisul.com/api", "http://localhost:8089/api/"})
    void httpAndHttpsBaseUrlsAreAccepted(String url) {
        assertThat(ConfigChecks.problems(new TestConfig(TestWhisul.defaults().withBaseUrl(url), TestBridge.defaults()))).isEmpty();
    }

    @Test
    void pollIntervalAboveTheMaximumIsAProblem() {
        TestConfig config = new TestConfig(TestWhisul.defaults().withPolling(Duration.ofSeconds(20), Duration.ofSeconds(10)), TestBridge.defaults());

        assertThat(ConfigChecks.problems(config)).singleElement().asString().contains("WHISUL_POLL_INTERVAL");
    }

    @Test
    void zeroJobMaxWaitIsAProblem() {
        TestConfig config = new TestConfig(TestWhisul.defaults().withJobMaxWait(Duration.ZERO), TestBridge.defaults());

        assertThat(ConfigChecks.problems(config)).singleElement().asString().contains("WHISUL_JOB_MAX_WAIT");
    }

    @Test
    void maxInFlightBelowOneIsAProblem() {
        TestConfig config = new TestConfig(TestWhisul.defaults(), TestBridge.defaults().withMaxInFlight(0));

        assertThat(ConfigChecks.problems(config)).singleElement().asString().contains("BRIDGE_MAX_IN_FLIGHT");
    }

    @Test
    void longestRecordWaitOfTheDefaultsCoversSubmitRetriesTheDeadlineAndPollRetries() {
        // per retry 30 s backoff + 30 s timeout + 1 s; 9 calls each for submit and poll; 10 min; 10 s; 5 s
        assertThat(ConfigChecks.longestRecordWait(DEFAULTS)).isEqualTo(Duration.ofSeconds(2 * 9 * 61 + 600 + 10 + 5));
    }

    @Test
    void maxAgeBelowTheLongestRecordWaitIsAProblem() {
        long justBelow = ConfigChecks.longestRecordWait(DEFAULTS).toMillis() - 1;
        TestConfig config = new TestConfig(TestWhisul.defaults(), TestBridge.defaults().withMaxAgeMs(justBelow));

        assertThat(ConfigChecks.problems(config)).singleElement().asString()
                .contains("BRIDGE_UNPROCESSED_RECORD_MAX_AGE_MS").contains(Long.toString(justBelow));
    }

    @Test
    void maxAgeEqualToTheLongestRecordWaitIsAccepted() {
        long exactly = ConfigChecks.longestRecordWait(DEFAULTS).toMillis();

        assertThat(ConfigChecks.problems(new TestConfig(TestWhisul.defaults(), TestBridge.defaults().withMaxAgeMs(exactly)))).isEmpty();
    }

    @Test
    void zeroMaxAgeDisablesTheStuckRecordCheck() {
        assertThat(ConfigChecks.problems(new TestConfig(TestWhisul.defaults(), TestBridge.defaults().withMaxAgeMs(0)))).isEmpty();
    }

    @Test
    void requireValidListsEveryProblemInOneMessage() {
        TestConfig config = new TestConfig(TestWhisul.defaults().withApiKey(Optional.empty()).withBaseUrl("nope"),
                TestBridge.defaults().withMaxAgeMs(1000));

        assertThat(ConfigChecks.problems(config)).hasSize(3);
        assertThatIllegalStateException().isThrownBy(() -> ConfigChecks.requireValid(config))
                .withMessageContaining("WHISUL_API_KEY")
                .withMessageContaining("WHISUL_BASE_URL")
                .withMessageContaining("BRIDGE_UNPROCESSED_RECORD_MAX_AGE_MS");
    }
}
