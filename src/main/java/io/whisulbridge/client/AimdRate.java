package io.whisulbridge.client;

import java.time.Duration;

/**
 * The arithmetic of {@link RequestBudget}: a token bucket whose refill rate follows AIMD. A 429 halves the rate
 * (down to a floor) and may pause all calls for a {@code Retry-After}; from then on the rate climbs linearly back to
 * the limit. Time is a caller-supplied {@link System#nanoTime()}-style clock, so tests need no sleeping; not
 * thread-safe, the budget serialises access.
 *
 * <p>The limit may change while it runs ({@link #limitTo}): this instance's share of the account's budget follows the
 * partitions it owns. Everything scales with it (rate, floor, climb), so a rate halved by 429s stays halved under the
 * new limit and still climbs back in the same recovery time.
 */
final class AimdRate {

    static final double DECREASE_FACTOR = 0.5;
    static final double FLOOR = 1.0;
    /** A bucket holding 100 ms worth of calls lets calls that come due together go out together, no more. */
    static final double BURST_SECONDS = 0.1;

    private static final double NANOS_PER_SECOND = 1e9;
    // tokens are sums of products of doubles: without slack, "exactly one interval later" could come out a hair short
    private static final double ROUNDING = 1e-9;

    private double limit;
    private double floor;
    private double increasePerSecond;

    private double rate;
    private double tokens;
    private long accountedUntil;
    private long pausedUntil;
    private long lastDecreaseAt;

    AimdRate(double limit, Duration recoveryTime, long now) {
        if (!(limit > 0) || recoveryTime.isNegative() || recoveryTime.isZero()) {
            throw new IllegalArgumentException("limit and recovery time must be positive");
        }
        this.limit = limit;
        this.floor = Math.min(FLOOR, limit);
        this.increasePerSecond = (limit - floor) / (recoveryTime.toNanos() / NANOS_PER_SECOND);
        this.rate = limit;
        this.tokens = capacity();
        this.accountedUntil = now;
        this.pausedUntil = now;
        // a call granted at construction time already sees this rate, so its 429 may lower it
        this.lastDecreaseAt = now - 1;
    }

    double limit() {
        return limit;
    }

    /**
     * From {@code now} on the limit is {@code newLimit}: the rate, its floor and its climb scale by the same factor,
     * and the bucket keeps no more than the new capacity, so a lowered limit holds from the next call on.
     */
    void limitTo(double newLimit, long now) {
        if (!(newLimit > 0) || Double.isInfinite(newLimit)) {
            throw new IllegalArgumentException("limit must be positive: " + newLimit);
        }
        advance(now); // what was earned so far, at the old limit
        double factor = newLimit / limit;
        limit = newLimit;
        floor *= factor;
        increasePerSecond *= factor;
        rate = Math.min(limit, Math.max(floor, rate * factor));
        tokens = Math.min(capacity(), tokens);
    }

    double rate(long now) {
        advance(now);
        return rate;
    }

    boolean paused(long now) {
        return now - pausedUntil < 0;
    }

    /** Takes one call's worth of budget if there is one. */
    boolean tryTake(long now) {
        advance(now);
        if (paused(now) || tokens < 1 - ROUNDING) {
            return false;
        }
        tokens = Math.max(0, tokens - 1);
        return true;
    }

    /** When {@link #tryTake} will next succeed, assuming nobody else takes; at least 1 ns. */
    long nanosUntilAvailable(long now) {
        advance(now);
        if (paused(now)) {
            return pausedUntil - now;
        }
        if (tokens >= 1 - ROUNDING) {
            return 1;
        }
        // ignores the rate still climbing while we wait: at worst the call goes a little late, never early
        return Math.max(1, (long) Math.ceil((1 - tokens) * NANOS_PER_SECOND / rate));
    }

    /**
     * Whisul answered 429 to a call granted at {@code grantedAt}. Every 429 empties the bucket and extends the pause,
     * but only a call granted after the previous decrease halves the rate again: the answers to calls already sent at
     * the old rate say nothing about the new one, and a burst of them would otherwise drive the rate to the floor.
     *
     * @return whether the rate was lowered
     */
    boolean throttled(long grantedAt, long now, Duration retryAfter) {
        advance(now);
        tokens = 0;
        if (retryAfter != null && !retryAfter.isNegative() && !retryAfter.isZero()) {
            long until = now + retryAfter.toNanos();
            if (until - pausedUntil > 0) {
                pausedUntil = until;
            }
        }
        if (grantedAt - lastDecreaseAt < 0) {
            return false;
        }
        rate = Math.max(floor, rate * DECREASE_FACTOR);
        lastDecreaseAt = now;
        return true;
    }

    private double capacity() {
        return Math.max(1, rate * BURST_SECONDS);
    }

    /** Brings rate and tokens up to {@code now}; paused time earns neither. */
    private void advance(long now) {
        long from = pausedUntil - accountedUntil > 0 ? pausedUntil : accountedUntil;
        if (now - accountedUntil > 0) {
            accountedUntil = now;
        }
        if (now - from <= 0) {
            return;
        }
        double seconds = (now - from) / NANOS_PER_SECOND;
        double climbing = increasePerSecond > 0 ? Math.min(seconds, (limit - rate) / increasePerSecond) : 0;
        // tokens are the area under the rate: a ramp while it climbs, then flat at the limit
        double earned = rate * climbing + increasePerSecond * climbing * climbing / 2;
        rate = climbing < seconds ? limit : Math.min(limit, rate + increasePerSecond * climbing);
        earned += rate * (seconds - climbing);
        tokens = Math.min(capacity(), tokens + earned);
    }
}
