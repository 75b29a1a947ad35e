package io.whisulbridge.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class EmulatorSettingsTest {

    @Test
    void defaultsAreTheDemoPresetAndTheLocalDevKey() {
        EmulatorSettings s = EmulatorSettings.defaults();

        assertThat(s.apiKeys()).containsExactly("local-dev-key");
        assertThat(s.jobDurationMin()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.jobDurationMax()).isEqualTo(Duration.ofSeconds(6));
        assertThat(s.port()).isZero();
        assertThat(s.failureProbability()).isZero();
        assertThat(s.rateLimitPerSecond()).isZero();
    }

    @Test
    void envVariablesSetDialsByName() {
        EmulatorSettings s = EmulatorSettings.fromEnv(Map.of(
                "WHISUL_EMULATOR_PORT", "9099",
                "WHISUL_EMULATOR_API_KEYS", "k1, k2",
                "WHISUL_EMULATOR_JOB_DURATION", "realistic",
                "WHISUL_EMULATOR_FAILURE_PROBABILITY", "0.25",
                "WHISUL_EMULATOR_COMPLETED_JOB_TTL", "90s",
                "WHISUL_EMULATOR_DURATION_FORM", "string",
                "WHISUL_EMULATOR_RATE_LIMIT_PER_SECOND", "5",
                "WHISUL_EMULATOR_SEED", "123",
                "UNRELATED", "ignored"));

        assertThat(s.port()).isEqualTo(9099);
        assertThat(s.apiKeys()).containsExactly("k1", "k2");
        assertThat(s.jobDurationMin()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.jobDurationMax()).isEqualTo(Duration.ofSeconds(180));
        assertThat(s.failureProbability()).isEqualTo(0.25);
        assertThat(s.completedJobTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.durationForm()).isEqualTo(EmulatorSettings.DurationForm.STRING);
        assertThat(s.rateLimitPerSecond()).isEqualTo(5.0);
        assertThat(s.seed()).isEqualTo(123L);
    }

    @Test
    void bridgeApiKeyVariableIsAcceptedWhenNoEmulatorKeyIsGiven() {
        assertThat(EmulatorSettings.fromEnv(Map.of("WHISUL_API_KEY", "shared")).apiKeys())
                .containsExactly("shared");
        assertThat(EmulatorSettings.fromEnv(Map.of("WHISUL_API_KEY", "shared", "WHISUL_EMULATOR_API_KEY", "own"))
                        .apiKeys())
                .containsExactly("own");
    }

    @Test
    void systemPropertiesUseDottedKebabNames() {
        Properties p = new Properties();
        p.setProperty("whisul.emulator.job-duration", "100ms..250ms");
        p.setProperty("whisul.emulator.slow-response-probability", "0.5");

        EmulatorSettings s = EmulatorSettings.fromProperties(p);

        assertThat(s.jobDurationMin()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.jobDurationMax()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.slowResponseProbability()).isEqualTo(0.5);
    }

    @Test
    void jobDurationTakesAPresetOneDurationOrARange() {
        assertThat(EmulatorSettings.builder()
                        .set("jobDuration", "realistic")
                        .build()
                        .jobDurationMax())
                .isEqualTo(Duration.ofSeconds(180));
        EmulatorSettings exact =
                EmulatorSettings.builder().set("jobDuration", "150ms").build();
        assertThat(exact.jobDurationMin()).isEqualTo(Duration.ofMillis(150));
        assertThat(exact.jobDurationMax()).isEqualTo(Duration.ofMillis(150));
        assertThat(EmulatorSettings.builder()
                        .set("jobDuration", "1s..2s")
                        .build()
                        .jobDurationMax())
                .isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> EmulatorSettings.builder().set("jobDuration", "glacial"))
                .hasMessageContaining("demo, realistic");
    }

    @Test
    void durationsAcceptUnitsIsoAndBareSeconds() {
        assertThat(EmulatorSettings.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(EmulatorSettings.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(EmulatorSettings.parseDuration("3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(EmulatorSettings.parseDuration("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(EmulatorSettings.parseDuration("4")).isEqualTo(Duration.ofSeconds(4));
        assertThatThrownBy(() -> EmulatorSettings.parseDuration("soon")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void durationsReadAsTheBridgesOwnSettingsDo() {
        // the bridge's variables go through Quarkus's converter; the emulator's next to them must read the same
        for (String text : List.of("1h30m", "1d", "2m30s", "500ms", "45")) {
            assertThat(EmulatorSettings.parseDuration(text)).as(text).isEqualTo(DurationConverter.parseDuration(text));
        }
        assertThatThrownBy(() -> EmulatorSettings.parseDuration(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidValuesAreRejectedWithTheSettingName() {
        assertThatThrownBy(
                        () -> EmulatorSettings.builder().failureProbability(1.5).build())
                .hasMessageContaining("failureProbability");
        assertThatThrownBy(() -> EmulatorSettings.builder()
                        .jobDuration(Duration.ofSeconds(5), Duration.ofSeconds(1))
                        .build())
                .hasMessageContaining("jobDurationMax");
        assertThatThrownBy(() -> EmulatorSettings.builder().apiKeys(List.of()).build())
                .hasMessageContaining("apiKeys");
        assertThatThrownBy(() -> EmulatorSettings.builder().set("WHATEVER", "1"))
                .hasMessageContaining("unknown emulator setting");
        assertThatThrownBy(() -> EmulatorSettings.builder().set("RATE_LIMIT_BURST", "lots"))
                .hasMessageContaining("RATE_LIMIT_BURST");
    }

    @Test
    void toMapRoundTripsThroughSet() {
        EmulatorSettings original = EmulatorSettings.builder()
                .jobDuration(Duration.ofMillis(120), Duration.ofSeconds(3))
                .apiKeys("a", "b")
                .seed(9L)
                .durationForm(EmulatorSettings.DurationForm.STRING)
                .build();
        EmulatorSettings.Builder b = EmulatorSettings.builder();
        original.toMap()
                .forEach((k, v) -> b.set(
                        k,
                        v == null
                                ? ""
                                : v instanceof List<?> l
                                        ? String.join(
                                                ",",
                                                l.stream().map(Object::toString).toList())
                                        : v.toString()));

        assertThat(b.build()).isEqualTo(original);
    }

    @Test
    void runtimeUpdateCannotMoveThePort() {
        try (WhisulEmulator emulator = WhisulEmulator.startBlocking(EmulatorSettings.defaults())) {
            assertThatThrownBy(() -> emulator.updateSettings(b -> b.port(1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void randomPortIsReportedInTheBaseUrl() {
        try (WhisulEmulator emulator = WhisulEmulator.startBlocking(EmulatorSettings.defaults())) {
            assertThat(emulator.port()).isPositive();
            assertThat(emulator.baseUrl()).isEqualTo("http://127.0.0.1:" + emulator.port() + "/api");
        }
    }
}
