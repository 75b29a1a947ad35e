package io.whisulbridge.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed delivery is tried again: the n-th failure waits the n-th step of {@code WEBHOOK_SCHEDULE}, moved by up
 * to {@code WEBHOOK_JITTER} of itself at random, or longer if the receiver asked so with {@code Retry-After} (on 429
 * and 503, capped at the schedule's longest step); after the last step the delivery is exhausted. Pure: randomness is
 * passed in.
 */
public final class RetrySchedule {

    private final List<Duration> steps;
    private final double jitter;

    public RetrySchedule(List<Duration> steps, double jitter) {
        if (steps.isEmpty() || steps.stream().anyMatch(step -> step.isNegative() || step.isZero())) {
            throw new IllegalArgumentException("WEBHOOK_SCHEDULE needs at least one positive duration, was " + steps);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("WEBHOOK_JITTER must be in [0, 1), was " + jitter);
        }
        this.steps = List.copyOf(steps);
        this.jitter = jitter;
    }

    /** Attempts a delivery gets in all: the first, then one per step. */
    public int attempts() {
        return steps.size() + 1;
    }

    /**
     * @param failedAttempts attempts made so far, all failed (at least 1)
     * @param retryAfter what the receiver's Retry-After asked for, or null
     * @return the wait before the next attempt, or empty when the delivery is exhausted
     */
    public Optional<Duration> delayAfter(int failedAttempts, Duration retryAfter, RandomGenerator random) {
        if (failedAttempts < 1 || failedAttempts > steps.size()) {
            return Optional.empty();
        }
        Duration step = steps.get(failedAttempts - 1);
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        Duration delay = Duration.ofMillis(Math.max(1, Math.round(step.toMillis() * factor)));
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            Duration longest = steps.get(steps.size() - 1);
            delay = retryAfter.compareTo(longest) > 0 ? longest : retryAfter;
        }
        return Optional.of(delay);
    }

    /**
     * The retry topic's partition for a wait: the first step that, jitter included, is at least that long, so each
     * partition holds waits of about one length and a short one never queues behind a long one; steps beyond the
     * partitions share the last.
     */
    public int lane(Duration delay, int lanes) {
        for (int i = 0; i < steps.size() && i < lanes; i++) {
            if (steps.get(i).toMillis() * (1 + jitter) >= delay.toMillis()) {
                return i;
            }
        }
        return Math.min(steps.size(), lanes) - 1;
    }
}
