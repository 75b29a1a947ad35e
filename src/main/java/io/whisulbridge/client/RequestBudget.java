package io.whisulbridge.client;

import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Vertx;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.metrics.BridgeMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * This instance's part of the account's request rate: every Whisul call takes a permit here before it is sent. The
 * budget ({@code WHISUL_MAX_REQUESTS_PER_SECOND}) is the whole consumer group's; this instance spends the
 * {@link BudgetShare} of it that the prompt partitions it owns give it, set on every rebalance ({@link #share}), and
 * nothing while it owns none. Calls that find the budget spent queue by priority, then in arrival order, and are
 * released from a single Vert.x timer, so waiting costs no thread. The rate adapts to Whisul's 429s (see
 * {@link AimdRate}).
 *
 * <p>Priorities spend a binding budget where it buys most, in one order for every poll schedule: a key probe first
 * (every job waits on it), then polls of jobs Whisul has accepted (the schedule may rank them, likeliest to find their
 * job done first), then submits, which reach this queue in the tenants' fair order ({@code SubmitQueue}): a submit
 * only adds a job to poll, so while polls wait the jobs in flight get their answers sooner instead of more jobs being
 * started. Where submits are paced too ({@link SubmitPace}), they also keep to what jobs have been costing.
 */
@Startup // its gauges are exported from the start, not from the first Whisul call
@ApplicationScoped
public class RequestBudget {

    private static final Logger LOG = Logger.getLogger(RequestBudget.class);

    // Each job has at most one call outstanding, so the queue never holds more than the in-flight limit; the slack
    // covers the key probe and anything calling Whisul outside a job.
    static final int WAIT_QUEUE_SLACK = 16;

    /** Schedules {@code action} once, after {@code delayMillis}; a seam for tests. */
    interface Timers {
        void schedule(long delayMillis, Runnable action);
    }

    /** Proof that a call was let through, and when: a 429 to it is judged against the rate it was sent at. */
    public record Permit(long grantedAt) {}

    /** The queue is full: more calls are waiting than there can be jobs. Callers treat it as a transient error. */
    public static final class QueueFull extends RuntimeException {
        QueueFull(int size) {
            super(size + " Whisul calls are already waiting for the request budget", null, false, false);
        }
    }

    private final double budget;
    private final AimdRate rate;
    private final int maxWaiting;
    private final Duration maxPause;
    private final LongSupplier clock;
    private final Timers timers;
    private final BridgeMetrics metrics;
    private final Queue<Waiter> waiting = new PriorityQueue<>(
            Comparator.comparingDouble((Waiter w) -> -w.priority).thenComparingLong(w -> w.arrival));
    private long arrivals;
    private final SubmitPace pace;
    private boolean timerArmed;
    private long timerDue;
    private BudgetShare share;

    @Inject
    public RequestBudget(Vertx vertx, BridgeConfig config, BridgeMetrics metrics) {
        this(
                config.whisul().maxRequestsPerSecond(),
                config.whisul().rateRecoveryTime(),
                config.bridge().maxInFlight() + WAIT_QUEUE_SLACK,
                config.whisul().retryMaxBackoff(),
                config.whisul().pollSchedule().defersFirstPoll(),
                System::nanoTime,
                (delay, action) -> vertx.setTimer(delay, fired -> action.run()),
                metrics);
        share(BudgetShare.NONE); // no call before the first assignment says what this instance owns
    }

    /**
     * @param pacedSubmits whether submits keep to a {@link SubmitPace}: for schedules that learn to put a job's first
     *                     poll off for as long as jobs take. Under the others a job polls from seconds after its
     *                     submit, so its own polls, which go first, hold submits back soon enough; and a pace learned
     *                     from what jobs cost would follow the load (with room in the budget, a short interval makes
     *                     jobs cost more calls, which would slow submits while the budget has room).
     */
    RequestBudget(
            double maxPerSecond,
            Duration recoveryTime,
            int maxWaiting,
            Duration maxPause,
            boolean pacedSubmits,
            LongSupplier clock,
            Timers timers,
            BridgeMetrics metrics) {
        this.budget = maxPerSecond;
        this.share = new BudgetShare(1, 1); // the whole budget until told otherwise: what unit tests start from
        this.rate = new AimdRate(maxPerSecond, recoveryTime, clock.getAsLong());
        this.pace = pacedSubmits
                ? new SubmitPace(PACED_SHARE * maxPerSecond, EXPECTED_CALLS_PER_JOB, clock.getAsLong())
                : null;
        this.maxWaiting = maxWaiting;
        this.maxPause = maxPause;
        this.clock = clock;
        this.timers = timers;
        this.metrics = metrics;
        metrics.registerBudget(this::currentRate, maxPerSecond, this::shareOfBudget, this::waitingCalls);
    }

    /** Share of the budget that submits pace new jobs to: what is left absorbs retries and the odd burst. */
    static final double PACED_SHARE = 0.95;
    /** Calls per job assumed before any job has ended: backoff's on 1-3 minute songs (BENCHMARKS.md). */
    static final double EXPECTED_CALLS_PER_JOB = 15;

    /** Priority of a key probe: ahead of everything, since every job waits for the key. */
    public static final double PROBE = 2;
    /** Priority of a submit: behind every poll. */
    public static final double SUBMIT = -1;

    /** Priority of a poll that finds its job done with the chance {@code doneChance}: between submits and probes. */
    public static double pollPriority(double doneChance) {
        return Double.isNaN(doneChance) ? 0 : Math.max(0, Math.min(1, doneChance));
    }

    /** {@link #acquire(double)} at the priority of a poll that knows nothing of its job. */
    public Uni<Permit> acquire() {
        return acquire(0);
    }

    /**
     * Completes when the call may go out; fails with {@link QueueFull} only if the wait queue is full. Waiting calls
     * go out highest {@code priority} first, in arrival order among equals.
     */
    public Uni<Permit> acquire(double requested) {
        // One order for every schedule (issue 13): polls of jobs Whisul accepted go before any new submit. The cost
        // falls on schedules that poll faster than the budget allows: their polls are not stretched by submits
        // waiting among them, so their jobs take more calls (RequestBudgetIT's, polled every 100-300 ms). The
        // production schedules poll no closer than 5 s.
        double priority = requested;
        return Uni.createFrom().emitter(emitter -> {
            long now = clock.getAsLong();
            Waiter waiter = new Waiter(emitter, now, priority);
            boolean granted = false;
            boolean full = false;
            synchronized (this) {
                // a call may pass waiting calls of lower priority: those are submits held back by their pace
                if (isOpen()
                        && (waiting.isEmpty() || waiting.peek().priority < priority)
                        && paced(waiter, now)
                        && rate.tryTake(now)) {
                    spendPace(waiter);
                    granted = true;
                } else if (waiting.size() >= maxWaiting) {
                    full = true;
                } else {
                    waiter.arrival = arrivals++;
                    waiting.add(waiter);
                    armTimer(now);
                }
            }
            if (granted) {
                waiter.grant(now);
            } else if (full) {
                emitter.fail(new QueueFull(maxWaiting));
            } else {
                emitter.onTermination(() -> forget(waiter));
            }
        });
    }

    /**
     * From now on this instance spends {@code next} of the account's budget: the rate limit, the rate lowered by 429s
     * and the submit pace all scale with it, and the bucket keeps no more than the new share's burst. A share of
     * nothing lets no call out: callers queue (as many as ever) until a share comes back.
     */
    public void share(BudgetShare next) {
        double limit = next.of(budget);
        synchronized (this) {
            long now = clock.getAsLong();
            share = next;
            if (limit > 0) {
                rate.limitTo(limit, now);
                if (pace != null) {
                    pace.callsPerSecond(PACED_SHARE * limit, now);
                }
                if (!waiting.isEmpty()) {
                    armTimer(now); // the calls waiting may go sooner now, or for the first time
                }
            }
        }
        LOG.infof("request budget: %s", next.describe(budget));
    }

    /** Whisul answered 429 to the call holding {@code permit}; {@code retryAfter} may be null. */
    public void throttled(Permit permit, Duration retryAfter) {
        Duration pause = retryAfter == null || retryAfter.compareTo(maxPause) <= 0 ? retryAfter : maxPause;
        boolean lowered;
        double now;
        synchronized (this) {
            long at = clock.getAsLong();
            lowered = rate.throttled(permit.grantedAt(), at, pause);
            now = rate.rate(at);
        }
        if (lowered) {
            LOG.warnf(
                    "Whisul answered 429: lowering the request rate to %.2f/s (this instance's share of the "
                            + "budget: %.2f/s)%s; it climbs back over time",
                    now, rate.limit(), pause == null ? "" : " and pausing all calls for " + pause);
        }
    }

    /** A job ended after {@code calls} Whisul calls: new jobs are paced by what jobs cost (see {@link SubmitPace}). */
    public synchronized void jobEnded(int calls) {
        if (pace != null) {
            pace.jobEnded(clock.getAsLong(), calls);
        }
    }

    private boolean paced(Waiter waiter, long now) {
        return waiter.priority > SUBMIT || pace == null || pace.ready(now);
    }

    private void spendPace(Waiter waiter) {
        if (pace != null && waiter.priority <= SUBMIT) {
            pace.take();
        }
    }

    /** Whether this instance may call at all: it owns a prompt partition. */
    private boolean isOpen() {
        return share.fraction() > 0;
    }

    /** Calls per second this instance may make now: its share of the budget, lowered by 429s; 0 without a share. */
    public synchronized double currentRate() {
        double now = rate.rate(clock.getAsLong());
        return isOpen() ? now : 0;
    }

    private synchronized double shareOfBudget() {
        return share.fraction();
    }

    private synchronized int waitingCalls() {
        return waiting.size();
    }

    /** Wakes {@link #release} when the first waiter may go, unless a wake-up at least as early is already due. */
    private void armTimer(long now) {
        if (!isOpen()) {
            return; // nothing may go out: the next share that lets calls out arms it again
        }
        Waiter first = waiting.peek();
        long nanos = Math.max(
                rate.nanosUntilAvailable(now), first.priority > SUBMIT || pace == null ? 0 : pace.nanosUntilReady(now));
        long millis = Math.max(1, (nanos + 999_999) / 1_000_000);
        long due = now + millis * 1_000_000;
        if (timerArmed && due - timerDue >= 0) {
            return;
        }
        timerArmed = true;
        timerDue = due;
        timers.schedule(millis, () -> release(due));
    }

    private void release(long due) {
        List<Waiter> released = new ArrayList<>();
        long now = clock.getAsLong();
        synchronized (this) {
            if (due != timerDue) {
                return; // an earlier wake-up replaced this one
            }
            timerArmed = false;
            while (isOpen() && !waiting.isEmpty() && paced(waiting.peek(), now) && rate.tryTake(now)) {
                Waiter next = waiting.poll();
                spendPace(next);
                released.add(next);
            }
            if (!waiting.isEmpty()) {
                armTimer(now);
            }
        }
        released.forEach(waiter -> waiter.grant(now));
    }

    private synchronized void forget(Waiter waiter) {
        if (!waiter.granted) {
            waiting.remove(waiter);
        }
    }

    private final class Waiter {
        final UniEmitter<? super Permit> emitter;
        final long since;
        final double priority;
        long arrival;
        volatile boolean granted;

        Waiter(UniEmitter<? super Permit> emitter, long since, double priority) {
            this.emitter = emitter;
            this.since = since;
            this.priority = priority;
        }

        void grant(long now) {
            granted = true;
            Duration waited = Duration.ofNanos(now - since);
            metrics.budgetWaited(waited);
            if (priority >= 0 && priority <= 1) {
                metrics.pollBudgetWaited(waited); // a poll's wait is lag the budget adds to its job
            }
            emitter.complete(new Permit(now));
        }
    }
}
