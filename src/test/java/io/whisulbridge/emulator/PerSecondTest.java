package io.whisulbridge.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PerSecondTest {

    private static final long T = 1_800_000_000_000L; // an epoch millisecond on a second boundary

    private final PerSecond counts = new PerSecond();

    @Test
    void countsCallsAnd429sPerWallClockSecond() {
        counts.request(T);
        counts.request(T + 999);
        counts.rateLimited(T + 999);
        counts.request(T + 1000);

        assertThat(counts.snapshot(T + 1500))
                .containsExactly(
                        java.util.Map.entry(T / 1000, new EmulatorStats.Second(2, 1)),
                        java.util.Map.entry(T / 1000 + 1, new EmulatorStats.Second(1, 0)));
    }

    @Test
    void keepsAnHourAndReusesTheSlotOfASecondAnHourOld() {
        counts.request(T);
        counts.request(T + PerSecond.SECONDS * 1000L);

        assertThat(counts.snapshot(T + PerSecond.SECONDS * 1000L))
                .as("the same slot, now the new second's alone")
                .containsExactly(java.util.Map.entry(T / 1000 + PerSecond.SECONDS, new EmulatorStats.Second(1, 0)));
    }

    @Test
    void leavesOutSecondsOlderThanAnHourThatNoCallOverwrote() {
        counts.request(T);

        assertThat(counts.snapshot(T + PerSecond.SECONDS * 1000L)).isEmpty();
        assertThat(counts.snapshot(T + (PerSecond.SECONDS - 1) * 1000L)).hasSize(1);
    }

    @Test
    void resetForgetsEverything() {
        counts.request(T);
        counts.reset();

        assertThat(counts.snapshot(T)).isEmpty();
    }
}
