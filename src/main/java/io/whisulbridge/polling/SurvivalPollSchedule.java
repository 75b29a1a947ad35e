package io.whisulbridge.polling;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Polls where finding the job done is worth the request. A {@link SurvivalEstimator} learns how long jobs take from
 * every poll answer, running jobs included; a {@link PollPlanner} turns that curve into the plan with the fewest
 * polls per job that finds all but {@code allowedLate} of jobs within {@code lagTarget} of finishing. Polls come up
 * to {@code jitter} before the planned age, at random, so that jobs accepted together do not poll together.
 *
 * <p>Beyond what it has seen (before the first jobs, or for a job older than any seen so far) it is the plain
 * schedule, counted from the last age it knows, which is also how it learns about older ages. The plan is
 * recomputed as observations come in (the cost is a few milliseconds), never for every poll.
 */
public final class SurvivalPollSchedule implements PollSchedule {

    private record Snapshot(long updates, double[] survival, int[] next) {}

    private final BackoffPollSchedule plain;
    private final SurvivalEstimator durations;
    private final double lagTarget;
    private final double allowedLate;
    private final double minAtRisk;
    private final long refreshEvery;
    private final double jitter;
    private volatile Snapshot current = new Snapshot(0, new double[] {1}, new int[] {-1});

    /**
     * @param lagTarget    the detection lag that all but {@code allowedLate} of jobs should stay within
     * @param minAtRisk    jobs that must have been seen at an age for the curve to be trusted there
     * @param refreshEvery observations after which the plan is recomputed (sooner while it has seen few)
     */
    public SurvivalPollSchedule(
            BackoffPollSchedule plain,
            SurvivalEstimator durations,
            Duration lagTarget,
            double allowedLate,
            int minAtRisk,
            int refreshEvery) {
        if (lagTarget.isNegative() || !(allowedLate >= 0 && allowedLate < 1) || minAtRisk < 1 || refreshEvery < 1) {
            throw new IllegalArgumentException(
                    "lag target >= 0, allowed late share in [0, 1), minAtRisk and refreshEvery >= 1");
        }
        this.plain = plain;
        this.durations = durations;
        this.lagTarget = lagTarget.toMillis() / 1000.0;
        this.allowedLate = allowedLate;
        this.minAtRisk = minAtRisk;
        this.refreshEvery = refreshEvery;
        this.jitter = plain.jitter() * seconds(plain.interval());
    }

    @Override
    public Duration interval() {
        return plain.interval();
    }

    @Override
    public Duration firstPoll() {
        return firstPoll(() -> 0.5);
    }

    @Override
    public Duration firstPoll(DoubleSupplier random) {
        Snapshot plan = plan();
        if (plan.next()[0] < 0) {
            return plain.firstPoll();
        }
        return atLeastInterval(plan.next()[0] - jitter * random.getAsDouble());
    }

    @Override
    public Duration afterPoll(int pollsDone, Duration elapsed, DoubleSupplier random) {
        Snapshot plan = plan();
        double age = seconds(elapsed);
        int state = (int) Math.floor(age);
        if (state < plan.next().length && plan.next()[state] >= 0) {
            return atLeastInterval(plan.next()[state] - jitter * random.getAsDouble() - age);
        }
        if (plan.survival().length == 1) {
            return plain.afterPoll(pollsDone, random);
        }
        // past what it knows, every lag target: no job found later than the target, while it learns these ages
        return atLeastInterval(Math.max(lagTarget, seconds(plain.interval())) - jitter * random.getAsDouble());
    }

    @Override
    public void stillRunning(Duration since, Duration now) {
        durations.running(since, now);
    }

    @Override
    public void jobCompleted(Duration since, Duration took) {
        durations.finished(since, took);
    }

    @Override
    public double doneChance(Duration since, Duration now) {
        double[] s = plan().survival();
        double before = survivalAt(s, seconds(since));
        return before <= 0 ? 1 : Math.max(0, 1 - survivalAt(s, seconds(now)) / before);
    }

    /** The current plan, recomputed once enough has been observed since the last one. */
    private Snapshot plan() {
        Snapshot plan = current;
        long updates = durations.updates();
        // early on, each doubling of what it has seen is worth a new plan; later, every refreshEvery observations
        if (updates - plan.updates() < Math.min(refreshEvery, Math.max((long) minAtRisk, plan.updates()))) {
            return plan;
        }
        synchronized (this) {
            if (current != plan) {
                return current;
            }
            double[] survival = durations.survival(minAtRisk);
            // a curve that ends before the deadline ends where the data do: past it the plain schedule explores
            PollPlanner planner = new PollPlanner(survival, 1.0, seconds(plain.interval()), lagTarget, false);
            current = new Snapshot(
                    updates, survival, planner.cheapest(allowedLate).nextPoll());
            return current;
        }
    }

    private Duration atLeastInterval(double seconds) {
        long nanos = (long) (seconds * 1e9);
        return nanos < plain.interval().toNanos() ? plain.interval() : Duration.ofNanos(nanos);
    }

    private static double survivalAt(double[] s, double age) {
        if (age <= 0) {
            return 1;
        }
        int k = (int) Math.floor(age);
        if (k >= s.length - 1) {
            return s[s.length - 1];
        }
        return s[k] + (s[k + 1] - s[k]) * (age - k);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
