package io.whisulbridge.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AimdRateTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    // near the end of the long range, so every comparison must survive nanoTime wrapping around
    private static final long T0 = Long.MAX_VALUE - 3 * S;

    private final AimdRate budget = new AimdRate(20, Duration.ofSeconds(10), T0);

    @Test
    void startsAtTheLimitWithABurstOfAHundredMilliseconds() {
        assertThat(budget.rate(T0)).isEqualTo(20);
        assertThat(budget.tryTake(T0)).isTrue();
        assertThat(budget.tryTake(T0)).isTrue();
        assertThat(budget.tryTake(T0)).as("capacity is 0.1 s x 20/s = 2").isFalse();
    }

    @Test
    void refillsOneCallPerIntervalAndSaysWhen() {
        drain(T0);

        assertThat(budget.nanosUntilAvailable(T0)).isEqualTo(50 * MS);
        assertThat(budget.tryTake(T0 + 49 * MS)).isFalse();
        assertThat(budget.nanosUntilAvailable(T0 + 49 * MS)).isBetween(MS - 1, MS + 1);
        assertThat(budget.tryTake(T0 + 50 * MS)).isTrue();
        assertThat(budget.tryTake(T0 + 50 * MS)).isFalse();
    }

    @Test
    void underConstantDemandNeverGrantsMoreThanRateTimesTimePlusTheBurst() {
        int granted = demandEveryMillisecond(T0, 10 * S);

        assertThat(granted).isBetween(200, 202);
    }

    @Test
    void aSmallLimitStillLetsOneCallThrough() {
        AimdRate slow = new AimdRate(0.5, Duration.ofSeconds(10), T0);

        assertThat(slow.tryTake(T0)).isTrue();
        assertThat(slow.tryTake(T0 + S)).isFalse();
        assertThat(slow.nanosUntilAvailable(T0 + S)).isEqualTo(S);
        assertThat(slow.tryTake(T0 + 2 * S)).isTrue();
    }

    @Test
    void a429HalvesTheRateDownToTheFloor() {
        long now = T0;
        for (double expected : new double[] {10, 5, 2.5, 1.25, 1, 1}) {
            now += MS;
            assertThat(budget.throttled(now, now, null)).isTrue();
            assertThat(budget.rate(now)).isCloseTo(expected, within(0.01));
        }
    }

    @Test
    void aSubSecondLimitIsItsOwnFloor() {
        AimdRate slow = new AimdRate(0.5, Duration.ofSeconds(10), T0);

        slow.throttled(T0, T0 + MS, null);

        assertThat(slow.rate(T0 + MS)).isEqualTo(0.5);
    }

    @Test
    void answersToCallsSentBeforeADecreaseDoNotLowerTheRateAgain() {
        long sentTogether = T0 + MS;

        assertThat(budget.throttled(sentTogether, T0 + 10 * MS, null)).isTrue();
        assertThat(budget.throttled(sentTogether, T0 + 11 * MS, null)).isFalse();
        assertThat(budget.throttled(sentTogether, T0 + 12 * MS, null)).isFalse();
        assertThat(budget.rate(T0 + 12 * MS)).isCloseTo(10, within(0.1));

        assertThat(budget.throttled(T0 + 20 * MS, T0 + 30 * MS, null))
                .as("sent at the lowered rate")
                .isTrue();
        assertThat(budget.rate(T0 + 30 * MS)).isCloseTo(5, within(0.1));
    }

    @Test
    void a429EmptiesTheBucket() {
        budget.throttled(T0, T0, null);

        assertThat(budget.tryTake(T0)).isFalse();
        assertThat(budget.nanosUntilAvailable(T0)).as("one call at 10/s").isEqualTo(100 * MS);
    }

    @Test
    void retryAfterPausesEveryCallThenTheBucketRefillsFromEmpty() {
        budget.throttled(T0, T0, Duration.ofSeconds(2));

        assertThat(budget.paused(T0 + S)).isTrue();
        assertThat(budget.tryTake(T0 + S)).isFalse();
        assertThat(budget.nanosUntilAvailable(T0 + S)).isEqualTo(S);
        assertThat(budget.tryTake(T0 + 2 * S)).as("the pause earned nothing").isFalse();
        assertThat(budget.tryTake(T0 + 2 * S + 100 * MS)).isTrue();
    }

    @Test
    void aLaterShorterRetryAfterDoesNotCutThePauseShort() {
        budget.throttled(T0, T0, Duration.ofSeconds(2));
        budget.throttled(T0, T0 + 100 * MS, Duration.ofMillis(100));

        assertThat(budget.paused(T0 + S)).isTrue();
        assertThat(budget.paused(T0 + 2 * S)).isFalse();
    }

    @Test
    void recoversLinearlyToTheLimitAfterThePause() {
        budget.throttled(T0, T0, Duration.ofSeconds(1));
        double perSecond = (20 - 1) / 10.0;

        assertThat(budget.rate(T0 + S)).isCloseTo(10, within(1e-9));
        assertThat(budget.rate(T0 + 2 * S)).isCloseTo(10 + perSecond, within(1e-9));
        assertThat(budget.rate(T0 + 4 * S)).isCloseTo(10 + 3 * perSecond, within(1e-9));
        assertThat(budget.rate(T0 + 7 * S)).isEqualTo(20);
        assertThat(budget.rate(T0 + 60 * S)).isEqualTo(20);
    }

    @Test
    void whileRecoveringGrantsFollowTheRisingRate() {
        budget.throttled(T0, T0, null);
        drain(T0);

        // 10/s climbing by 1.9/s reaches 20/s after 10/1.9 s; then flat: the area under that curve over 10 s
        double climb = 10 / 1.9;
        double expected = 10 * climb + 1.9 * climb * climb / 2 + 20 * (10 - climb);
        int granted = demandEveryMillisecond(T0, 10 * S);

        assertThat((double) granted).isCloseTo(expected, within(2.5));
    }

    @Test
    void refusesANonPositiveLimitOrRecovery() {
        assertThatIllegalArgumentException().isThrownBy(() -> new AimdRate(0, Duration.ofSeconds(1), T0));
        assertThatIllegalArgumentException().isThrownBy(() -> new AimdRate(Double.NaN, Duration.ofSeconds(1), T0));
        assertThatIllegalArgumentException().isThrownBy(() -> new AimdRate(1, Duration.ZERO, T0));
    }

    @Test
    void aLowerLimitHoldsFromTheNextCallAndKeepsOnlyItsOwnBurst() {
        budget.limitTo(5, T0);

        assertThat(budget.limit()).isEqualTo(5);
        assertThat(budget.rate(T0)).isEqualTo(5);
        assertThat(budget.tryTake(T0)).isTrue();
        assertThat(budget.tryTake(T0)).as("capacity at 5/s is one call").isFalse();
        assertThat(budget.nanosUntilAvailable(T0)).isEqualTo(200 * MS);
        assertThat(demandEveryMillisecond(T0 + MS, 10 * S)).isBetween(49, 51);
    }

    @Test
    void aHigherLimitLetsMoreThroughAtOnce() {
        drain(T0);
        budget.limitTo(40, T0);

        assertThat(budget.nanosUntilAvailable(T0)).isEqualTo(25 * MS);
        assertThat(demandEveryMillisecond(T0, 10 * S)).isBetween(399, 401);
    }

    @Test
    void aRateLoweredBy429sStaysAsFarBelowTheNewLimitAndClimbsBackInTheSameTime() {
        budget.throttled(T0, T0, null); // 20 -> 10

        budget.limitTo(10, T0);

        assertThat(budget.rate(T0))
                .as("half the new limit, as it was half the old one")
                .isEqualTo(5);
        double climb = (20 - 1) / 10.0 / 2; // the climb scaled with the limit
        assertThat(budget.rate(T0 + S)).isCloseTo(5 + climb, within(1e-9));
        assertThat(budget.rate(T0 + 6 * S)).isEqualTo(10);
    }

    @Test
    void a429StillHalvesTheRateUnderTheNewLimitDownToAFloorScaledWithIt() {
        budget.limitTo(4, T0);

        assertThat(budget.throttled(T0, T0 + MS, null)).isTrue();
        assertThat(budget.rate(T0 + MS)).isEqualTo(2);
        for (int i = 2; i < 10; i++) {
            budget.throttled(T0 + i * MS, T0 + i * MS, null);
        }
        assertThat(budget.rate(T0 + 10 * MS))
                .as("the floor of 1/s scaled by 4/20: the group as a whole falls to 1/s")
                .isCloseTo(0.2, within(0.01));
    }

    @Test
    void limitsGoingBackAndForthEndWhereTheyStarted() {
        budget.limitTo(20.0 / 3, T0);
        budget.limitTo(10, T0 + S);
        budget.limitTo(20, T0 + 2 * S);

        assertThat(budget.rate(T0 + 2 * S)).isCloseTo(20, within(1e-9));
        budget.throttled(T0 + 2 * S, T0 + 2 * S, null);
        assertThat(budget.rate(T0 + 2 * S)).isCloseTo(10, within(1e-9));
    }

    @Test
    void refusesANonPositiveNewLimit() {
        assertThatIllegalArgumentException().isThrownBy(() -> budget.limitTo(0, T0));
        assertThatIllegalArgumentException().isThrownBy(() -> budget.limitTo(Double.NaN, T0));
    }

    private void drain(long now) {
        while (budget.tryTake(now)) {
            // take what is there
        }
    }

    private int demandEveryMillisecond(long from, long duration) {
        int granted = 0;
        for (long t = from; t - (from + duration) < 0; t += MS) {
            if (budget.tryTake(t)) {
                granted++;
            }
        }
        return granted;
    }
}
