package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffPollScheduleTest {

    /** 2 * 0.5 - 1 = 0: no jitter at all. */
    private static final DoubleSupplier NO_JITTER = () -> 0.5;

    private final BackoffPollSchedule schedule =
            new BackoffPollSchedule(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(10), 1.5, 0.2);

    @Test
    void firstPollWaitsTheInitialDelay() {
        assertThat(schedule.firstPoll()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void negativeInitialDelayMeansPollAtOnce() {
        BackoffPollSchedule eager = new BackoffPollSchedule(
                Duration.ofSeconds(-1), Duration.ofSeconds(5), Duration.ofSeconds(10), 1.5, 0.2);

        assertThat(eager.firstPoll()).isEqualTo(Duration.ZERO);
    }

    @ParameterizedTest(name = "after {0} polls: {1} ms")
    @CsvSource({"1, 5000", "2, 7500", "3, 10000", "4, 10000", "10000, 10000"})
    void delayGrowsByTheFactorFromTheIntervalUpToTheMaximum(int pollsDone, long millis) {
        assertThat(schedule.afterPoll(pollsDone, NO_JITTER)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "random {0}: {1} ms")
    @CsvSource({"0.0, 6000", "0.25, 6750", "0.75, 8250", "1.0, 9000"})
    void jitterMovesTheDelayByUpToItsShare(double random, long millis) {
        assertThat(schedule.afterPoll(2, () -> random)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void jitterNeverTakesADelayBelowTheInterval() {
        assertThat(schedule.afterPoll(1, () -> 0.0)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void jitterNeverTakesADelayAboveTheMaximum() {
        assertThat(schedule.afterPoll(3, () -> 1.0)).isEqualTo(Duration.ofSeconds(10));
    }

    @ParameterizedTest(name = "interval {0}, max {1}, factor {2}, jitter {3}")
    @CsvSource({
        "PT0S, PT10S, 1.5, 0.2",
        "PT-5S, PT10S, 1.5, 0.2",
        "PT5S, PT4S, 1.5, 0.2",
        "PT5S, PT10S, 0.9, 0.2",
        "PT5S, PT10S, 1.5, 1.0",
        "PT5S, PT10S, 1.5, -0.1"
    })
    void nonsensicalSettingsAreRefused(Duration interval, Duration max, double factor, double jitter) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new BackoffPollSchedule(Duration.ofSeconds(5), interval, max, factor, jitter));
    }
}
