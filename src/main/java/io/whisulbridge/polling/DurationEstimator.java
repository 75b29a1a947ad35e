package io.whisulbridge.polling;

import java.time.Duration;
import java.util.Arrays;

/**
 * Quantiles of the most recent job durations: a fixed-size ring of samples, so memory is bounded and the estimate
 * follows Whisul when it gets faster or slower. Quantiles are recomputed from a sorted copy at most once per
 * {@code refreshEvery} new samples, which keeps the per-poll cost at a lookup.
 */
public final class DurationEstimator {

    private final long[] samples;
    private final int refreshEvery;
    private int next;
    private int count;
    private int sinceRefresh;
    private long[] sorted = new long[0];

    public DurationEstimator(int window, int refreshEvery) {
        if (window < 1 || refreshEvery < 1) {
            throw new IllegalArgumentException("window and refreshEvery must be positive");
        }
        this.samples = new long[window];
        this.refreshEvery = refreshEvery;
    }

    public synchronized void record(Duration took) {
        samples[next] = took.toMillis();
        next = (next + 1) % samples.length;
        count = Math.min(count + 1, samples.length);
        sinceRefresh++;
    }

    public synchronized int samples() {
        return count;
    }

    /** @param q in [0, 1]; null until there is a sample */
    public synchronized Duration quantile(double q) {
        if (count == 0) {
            return null;
        }
        if (sorted.length != count || sinceRefresh >= refreshEvery) {
            sorted = Arrays.copyOf(count == samples.length ? samples : Arrays.copyOf(samples, count), count);
            Arrays.sort(sorted);
            sinceRefresh = 0;
        }
        int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
        return Duration.ofMillis(sorted[index]);
    }
}
