package io.whisulbridge.polling;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * When to poll a job next: first after {@code initialDelay}, then from {@code interval} growing by {@code factor}
 * up to {@code maxInterval}, each delay moved by up to ±{@code jitter} of itself so that jobs submitted together
 * do not poll in lockstep. No delay after the first is ever shorter than {@code interval}.
 */
public record BackoffPollSchedule(
        Duration initialDelay, Duration interval, Duration maxInterval, double factor, double jitter)
        implements PollSchedule {

    /** Every poll exactly {@code interval} after the previous one: what most hand-written pollers do. */
    public static BackoffPollSchedule fixed(Duration initialDelay, Duration interval) {
        return new BackoffPollSchedule(initialDelay, interval, interval, 1.0, 0.0);
    }

    public BackoffPollSchedule {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive, was " + interval);
        }
        if (maxInterval.compareTo(interval) < 0) {
            throw new IllegalArgumentException(
                    "poll max interval " + maxInterval + " is below the interval " + interval);
        }
        if (factor < 1.0 || jitter < 0 || jitter >= 1.0) {
            throw new IllegalArgumentException("poll factor must be >= 1 and jitter in [0, 1)");
        }
    }

    @Override
    public Duration firstPoll() {
        return initialDelay.isNegative() ? Duration.ZERO : initialDelay;
    }

    @Override
    public Duration afterPoll(int pollsDone, Duration elapsed, DoubleSupplier random) {
        return afterPoll(pollsDone, random);
    }

    /** @param pollsDone polls made so far, at least 1 */
    public Duration afterPoll(int pollsDone, DoubleSupplier random) {
        double base =
                Math.min(maxInterval.toNanos(), interval.toNanos() * Math.pow(factor, Math.max(0, pollsDone - 1)));
        double jittered = base * (1 + jitter * (2 * random.getAsDouble() - 1));
        long clamped = (long) Math.max(interval.toNanos(), Math.min(maxInterval.toNanos(), jittered));
        return Duration.ofNanos(clamped);
    }
}
