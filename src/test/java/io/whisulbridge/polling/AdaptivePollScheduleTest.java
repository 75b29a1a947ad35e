package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AdaptivePollScheduleTest {

    private static final DoubleSupplier MIDDLE = () -> 0.5;
    private static final BackoffPollSchedule PLAIN =
            new BackoffPollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10), 1.5, 0.0);

    private final DurationEstimator durations = new DurationEstimator(1000, 1);
    private final AdaptivePollSchedule adaptive = new AdaptivePollSchedule(PLAIN, durations, 20, 0.05, 0.95);

    /** 100 jobs that took 60, 61, ... 159 seconds. */
    private void learnJobsOfOneToTwoAndAHalfMinutes() {
        IntStream.range(0, 100).forEach(i -> adaptive.jobCompleted(Duration.ZERO, Duration.ofSeconds(60 + i)));
    }

    @Test
    void beforeEnoughJobsItIsThePlainSchedule() {
        IntStream.range(0, 19).forEach(i -> adaptive.jobCompleted(Duration.ZERO, Duration.ofSeconds(120)));

        assertThat(adaptive.firstPoll()).isEqualTo(PLAIN.firstPoll());
        assertThat(adaptive.afterPoll(3, Duration.ofSeconds(30), MIDDLE)).isEqualTo(PLAIN.afterPoll(3, MIDDLE));
    }

    @Test
    void firstPollWaitsForTheEarlyTailOfLearnedDurations() {
        learnJobsOfOneToTwoAndAHalfMinutes();

        assertThat(adaptive.firstPoll()).isEqualTo(Duration.ofSeconds(64));
    }

    @Test
    void betweenTheTailsItPollsAtTheMinimumInterval() {
        learnJobsOfOneToTwoAndAHalfMinutes();

        assertThat(adaptive.afterPoll(1, Duration.ofSeconds(70), MIDDLE)).isEqualTo(Duration.ofSeconds(5));
        assertThat(adaptive.afterPoll(12, Duration.ofSeconds(150), MIDDLE)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void pastTheLateTailItBacksOffAgain() {
        learnJobsOfOneToTwoAndAHalfMinutes();

        Duration justPast = adaptive.afterPoll(20, Duration.ofSeconds(155), MIDDLE);
        Duration wellPast = adaptive.afterPoll(30, Duration.ofSeconds(200), MIDDLE);

        assertThat(justPast).isEqualTo(Duration.ofSeconds(5));
        assertThat(wellPast).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void neverPollsFasterThanTheInterval() {
        learnJobsOfOneToTwoAndAHalfMinutes();

        for (int seconds = 0; seconds < 400; seconds += 7) {
            assertThat(adaptive.afterPoll(1 + seconds / 7, Duration.ofSeconds(seconds), () -> 0.0))
                    .isGreaterThanOrEqualTo(PLAIN.interval());
        }
    }

    @Test
    void aFirstPollEarlierThanTheConfiguredInitialDelayIsNotTaken() {
        IntStream.range(0, 50).forEach(i -> adaptive.jobCompleted(Duration.ZERO, Duration.ofSeconds(2)));

        assertThat(adaptive.firstPoll()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void fixedScheduleIsAlwaysTheInterval() {
        BackoffPollSchedule fixed = BackoffPollSchedule.fixed(Duration.ofSeconds(5), Duration.ofSeconds(5));

        assertThat(IntStream.rangeClosed(1, 10).mapToObj(n -> fixed.afterPoll(n, () -> 1.0)))
                .containsOnly(Duration.ofSeconds(5));
    }
}
