package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryBackoffTest {

    private static final DoubleSupplier LOWEST = () -> 0.0;
    private static final DoubleSupplier HIGHEST = () -> 1.0;

    private final RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    @ParameterizedTest(name = "error {0}: at least {1} ms")
    @CsvSource({"1, 500", "2, 1000", "3, 2000", "4, 4000", "5, 8000"})
    void delayDoublesWithEachConsecutiveError(int errors, long millis) {
        assertThat(backoff.delay(errors, null, LOWEST)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "random {0}: {1} ms")
    @CsvSource({"0.0, 2000", "0.5, 3000", "1.0, 4000"})
    void halfTheDelayIsFixedAndHalfIsRandom(double random, long millis) {
        assertThat(backoff.delay(3, null, () -> random)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "after {0} errors")
    @CsvSource({"6", "10", "1000"})
    void delayNeverExceedsTheMaximum(int errors) {
        assertThat(backoff.delay(errors, null, HIGHEST)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void retryAfterLongerThanTheBackoffIsHonoured() {
        assertThat(backoff.delay(1, Duration.ofSeconds(20), LOWEST)).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void retryAfterShorterThanTheBackoffDoesNotShortenIt() {
        assertThat(backoff.delay(4, Duration.ofSeconds(1), LOWEST)).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void retryAfterBeyondTheMaximumIsCappedAtTheMaximum() {
        assertThat(backoff.delay(1, Duration.ofHours(2), LOWEST)).isEqualTo(Duration.ofSeconds(30));
    }
}
