package io.whisulbridge.client;

import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Vertx;
import io.whisulbridge.concurrent.WaitQueue;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.metrics.BridgeMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The account-wide request rate: every Whisul call takes a permit here before it is sent. Calls that find the budget
 * spent queue in arrival order and are released from a single Vert.x timer, so waiting costs no thread. The rate
 * adapts to Whisul's 429s (see {@link AimdRate}).
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
    public record Permit(long grantedAt) {
    }

    /** The queue is full: more calls are waiting than there can be jobs. Callers treat it as a transient error. */
    public static final class QueueFull extends RuntimeException {
        QueueFull(int size) {
            super(size + " Whisul calls are already waiting for the request budget", null, false, false);
        }
    }

    private final AimdRate rate;
    private final int maxWaiting;
    private final Duration maxPause;
    private final LongSupplier clock;
    private final Timers timers;
    private final BridgeMetrics metrics;
    private final WaitQueue<Permit> waiting = new WaitQueue<>(this);
    private boolean timerArmed;

    @Inject
    public RequestBudget(Vertx vertx, BridgeConfig config, BridgeMetrics metrics) {
        this(config.whisul().maxRequestsPerSecond(), config.whisul().rateRecoveryTime(),
                config.bridge().maxInFlight() + WAIT_QUEUE_SLACK, config.whisul().retryMaxBackoff(),
                System::nanoTime, (delay, action) -> vertx.setTimer(delay, fired -> action.run()), metrics);
    }

    RequestBudget(double maxPerSecond, Duration recoveryTime, int maxWaiting, Duration maxPause, LongSupplier clock,
                  Timers timers, BridgeMetrics metrics) {
        this.rate = new AimdRate(maxPerSecond, recoveryTime, clock.getAsLong());
        this.maxWaiting = maxWaiting;
        this.maxPause = maxPause;
        this.clock = clock;
        this.timers = timers;
        this.metrics = metrics;
        metrics.registerBudget(this::currentRate, maxPerSecond, this::waitingCalls);
    }

    /** Completes when the call may go out; fails with {@link QueueFull} only if the wait queue is full. */
    public Uni<Permit> acquire() {
        return Uni.createFrom().deferred(() -> {
            long since = clock.getAsLong();
            return Uni.createFrom().<Permit>emitter(emitter -> {
                        boolean granted = false;
                        boolean full = false;
                        synchronized (this) {
                            if (waiting.isEmpty() && rate.tryTake(since)) {
                                granted = true;
                            } else if (waiting.size() >= maxWaiting) {
                                full = true;
                            } else {
                                waiting.addLast(emitter);
                                armTimer(since);
                            }
                        }
                        if (granted) {
                            emitter.complete(new Permit(since));
                        } else if (full) {
                            emitter.fail(new QueueFull(maxWaiting));
                        }
                    })
                    .invoke(permit -> metrics.budgetWaited(Duration.ofNanos(permit.grantedAt() - since)));
        });
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
            LOG.warnf("Whisul answered 429: lowering the request rate to %.2f/s (limit %.2f/s)%s; it climbs back "
                    + "over time", now, rate.limit(), pause == null ? "" : " and pausing all calls for " + pause);
        }
    }

    private synchronized double currentRate() {
        return rate.rate(clock.getAsLong());
    }

    private synchronized int waitingCalls() {
        return waiting.size();
    }

    private void armTimer(long now) {
        if (timerArmed) {
            return;
        }
        timerArmed = true;
        long nanos = rate.nanosUntilAvailable(now);
        timers.schedule(Math.max(1, (nanos + 999_999) / 1_000_000), this::release);
    }

    private void release() {
        List<UniEmitter<? super Permit>> released = new ArrayList<>();
        long now = clock.getAsLong();
        synchronized (this) {
            timerArmed = false;
            while (!waiting.isEmpty() && rate.tryTake(now)) {
                released.add(waiting.poll());
            }
            if (!waiting.isEmpty()) {
                armTimer(now);
            }
        }
        Permit permit = new Permit(now);
        released.forEach(emitter -> emitter.complete(permit));
    }
}
