package io.whisulbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    private static final List<Duration> DEFAULT = List.of(
            Duration.ofSeconds(5),
            Duration.ofMinutes(5),
            Duration.ofMinutes(30),
            Duration.ofHours(2),
            Duration.ofHours(5));

    /** A "random" source whose nextDouble always answers the same. */
    private static RandomGenerator always(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    private final RetrySchedule schedule = new RetrySchedule(DEFAULT, 0.2);

    @Test
    void theNthFailureWaitsTheNthStep() {
        assertThat(schedule.delayAfter(1, null, always(0.5))).contains(Duration.ofSeconds(5));
        assertThat(schedule.delayAfter(5, null, always(0.5))).contains(Duration.ofHours(5));
    }

    @Test
    void afterTheLastStepTheDeliveryIsExhausted() {
        assertThat(schedule.attempts()).isEqualTo(6);
        assertThat(schedule.delayAfter(6, null, always(0.5))).isEmpty();
    }

    @Test
    void jitterMovesAWaitByUpToItsShareEitherWay() {
        assertThat(schedule.delayAfter(2, null, always(0.0))).contains(Duration.ofMinutes(4));
        assertThat(schedule.delayAfter(2, null, always(0.999999)))
                .hasValueSatisfying(
                        delay -> assertThat(delay).isBetween(Duration.ofSeconds(359), Duration.ofMinutes(6)));
    }

    @Test
    void aLongerRetryAfterWinsButNotBeyondTheLongestStep() {
        assertThat(schedule.delayAfter(1, Duration.ofMinutes(1), always(0.5))).contains(Duration.ofMinutes(1));
        assertThat(schedule.delayAfter(1, Duration.ofDays(3), always(0.5))).contains(Duration.ofHours(5));
    }

    @Test
    void aShorterRetryAfterDoesNotHurryTheSchedule() {
        assertThat(schedule.delayAfter(2, Duration.ofSeconds(1), always(0.5))).contains(Duration.ofMinutes(5));
    }

    @Test
    void eachWaitGoesToTheLaneOfItsLength() {
        assertThat(schedule.lane(Duration.ofSeconds(6), 5)).isEqualTo(0);
        assertThat(schedule.lane(Duration.ofSeconds(7), 5)).isEqualTo(1);
        assertThat(schedule.lane(Duration.ofMinutes(31), 5)).isEqualTo(2);
        assertThat(schedule.lane(Duration.ofHours(5), 5)).isEqualTo(4);
    }

    @Test
    void stepsBeyondThePartitionsShareTheLastLane() {
        assertThat(schedule.lane(Duration.ofHours(5), 3)).isEqualTo(2);
        assertThat(schedule.lane(Duration.ofSeconds(1), 1)).isEqualTo(0);
    }
}
