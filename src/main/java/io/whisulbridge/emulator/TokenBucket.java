package io.whisulbridge.emulator;

final class TokenBucket {

    final double ratePerSecond;
    final int capacity;
    private double tokens;
    private long lastNanos;

    TokenBucket(double ratePerSecond, int capacity, long nowNanos) {
        this.ratePerSecond = ratePerSecond;
        this.capacity = capacity;
        this.tokens = capacity;
        this.lastNanos = nowNanos;
    }

    boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whole seconds until one token is back; never 0, since "Retry-After: 0" invites a tight retry loop. */
    int secondsUntilToken(long nowNanos) {
        refill(nowNanos);
        double missing = Math.max(0, 1 - tokens);
        return (int) Math.max(1, Math.ceil(missing / ratePerSecond));
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed / 1e9 * ratePerSecond);
            lastNanos = nowNanos;
        }
    }
}
