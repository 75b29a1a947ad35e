package io.whisulbridge.polling;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delay before retrying after a transient error: exponential from {@code initial}, capped at {@code max}, with
 * "equal jitter" (half fixed, half random). A {@code Retry-After} from Whisul is honoured up to the same cap, so a
 * misbehaving server cannot park a job for hours.
 */
public record RetryBackoff(Duration initial, Duration max) {

    public Duration delay(int consecutiveErrors, Duration retryAfter, DoubleSupplier random) {
        double exponential =
                Math.min(max.toNanos(), initial.toNanos() * Math.pow(2, Math.max(0, consecutiveErrors - 1)));
        long jittered = (long) (exponential / 2 + random.getAsDouble() * exponential / 2);
        long hinted = retryAfter == null ? 0 : Math.min(max.toNanos(), retryAfter.toNanos());
        return Duration.ofNanos(Math.max(jittered, hinted));
    }
}
