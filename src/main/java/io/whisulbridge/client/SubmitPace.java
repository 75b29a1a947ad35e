package io.whisulbridge.client;

/**
 * Keeps new jobs within what the request budget can poll. Polls go before submits when the budget binds, but a job
 * submitted now asks for its polls later (a minute later for songs, under a learning schedule): submits that take
 * whatever the budget has spare now come back as more polls than it can serve, and every job's lag grows. So
 * submits earn their turns at {@code callsPerSecond} divided by the calls a job takes: a moving average over the
 * last 50 or so finished jobs, starting from {@code expectedCallsPerJob} (before the first job ends, an unpaced
 * burst of submits would come back as polls for minutes). Turns accrue up to 5 s worth.
 *
 * <p>Arithmetic on the budget's clock (nanoseconds); not thread-safe, the budget serialises access.
 */
final class SubmitPace {

    /** Weight of each finished job in the average. */
    private static final double WEIGHT = 0.02;

    private static final double NANOS_PER_SECOND = 1e9;
    /**
     * Turns kept while submits wait behind polls for the budget, so a run of polls delays submits instead of costing
     * them their turns: with only one turn kept, the simulation's submits lost 13-15 % of their pace.
     */
    private static final double CATCH_UP_SECONDS = 5;

    private double callsPerSecond;
    private double callsPerJob;
    private double turns;
    private long accountedUntil;

    /**
     * @param callsPerSecond      the share of the request budget that new jobs may plan on over their whole life
     * @param expectedCallsPerJob what a job is assumed to cost before any has ended
     */
    SubmitPace(double callsPerSecond, double expectedCallsPerJob, long now) {
        if (!(callsPerSecond > 0) || !(expectedCallsPerJob >= 1)) {
            throw new IllegalArgumentException("calls per second must be positive and calls per job at least 1");
        }
        this.callsPerSecond = callsPerSecond;
        this.callsPerJob = expectedCallsPerJob;
        this.turns = 1; // not a catch-up's worth: nothing was missed yet
        this.accountedUntil = now;
    }

    boolean ready(long now) {
        advance(now);
        return turns >= 1 - 1e-9;
    }

    /** Spends a turn; call only when {@link #ready}. */
    void take() {
        turns = Math.max(0, turns - 1);
    }

    /** When the next turn comes, assuming nobody takes one; at least 1 ns. */
    long nanosUntilReady(long now) {
        advance(now);
        if (turns >= 1 - 1e-9) {
            return 1;
        }
        return Math.max(1, (long) Math.ceil((1 - turns) * NANOS_PER_SECOND / perSecond()));
    }

    /** A job ended after {@code calls} calls to Whisul (its submit included). */
    void jobEnded(long now, int calls) {
        advance(now); // turns earned so far at the old pace
        callsPerJob += WEIGHT * (Math.max(1, calls) - callsPerJob);
    }

    /** The budget's share changed: turns earned so far stay, new ones come at the new pace. */
    void callsPerSecond(double perSecond, long now) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("calls per second must be positive: " + perSecond);
        }
        advance(now);
        callsPerSecond = perSecond;
        turns = Math.min(capacity(), turns);
    }

    double callsPerJob() {
        return callsPerJob;
    }

    private double perSecond() {
        return callsPerSecond / callsPerJob;
    }

    private double capacity() {
        return Math.max(1, perSecond() * CATCH_UP_SECONDS);
    }

    private void advance(long now) {
        if (now - accountedUntil <= 0) {
            return;
        }
        turns = Math.min(capacity(), turns + (now - accountedUntil) / NANOS_PER_SECOND * perSecond());
        accountedUntil = now;
    }
}
