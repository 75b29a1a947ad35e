package io.whisulbridge.polling;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Polls when jobs tend to finish. From recent job durations it learns an early tail ({@code low} quantile) and a
 * late tail ({@code high} quantile): the first poll waits until the early tail, polls then come every
 * {@code interval} (the minimum) while completion is likely, and back off past the late tail as the plain schedule
 * would. Until it has seen {@code minSamples} jobs it is the plain schedule.
 */
public final class AdaptivePollSchedule implements PollSchedule {

    private final BackoffPollSchedule plain;
    private final DurationEstimator durations;
    private final int minSamples;
    private final double low;
    private final double high;

    public AdaptivePollSchedule(
            BackoffPollSchedule plain, DurationEstimator durations, int minSamples, double low, double high) {
        if (!(low >= 0 && low < high && high <= 1)) {
            throw new IllegalArgumentException("quantiles must satisfy 0 <= low < high <= 1");
        }
        this.plain = plain;
        this.durations = durations;
        this.minSamples = minSamples;
        this.low = low;
        this.high = high;
    }

    @Override
    public Duration interval() {
        return plain.interval();
    }

    @Override
    public Duration firstPoll() {
        if (!learned()) {
            return plain.firstPoll();
        }
        Duration earlyTail = durations.quantile(low);
        return earlyTail.compareTo(plain.firstPoll()) > 0 ? earlyTail : plain.firstPoll();
    }

    @Override
    public Duration afterPoll(int pollsDone, Duration elapsed, DoubleSupplier random) {
        if (!learned()) {
            return plain.afterPoll(pollsDone, random);
        }
        Duration lateTail = durations.quantile(high);
        if (elapsed.compareTo(lateTail) < 0) {
            return plain.interval();
        }
        // past the late tail: count polls from there, so the backoff restarts at the interval
        long beyond = elapsed.minus(lateTail).toMillis()
                / Math.max(1, plain.interval().toMillis());
        return plain.afterPoll((int) Math.min(Integer.MAX_VALUE, beyond + 1), random);
    }

    @Override
    public void jobCompleted(Duration since, Duration took) {
        durations.record(took);
    }

    private boolean learned() {
        return durations.samples() >= minSamples;
    }
}
