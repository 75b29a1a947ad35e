package io.whisulbridge.client;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.whisulbridge.metrics.BridgeMetrics;
import java.time.Duration;
import java.util.function.LongSupplier;

/** The real {@link RequestBudget} on simulated time, for the polling simulation (its constructor is package-private). */
public final class SimulatedBudget {

    /** Runs {@code action} once, {@code delayMillis} of simulated time from now. */
    public interface Timer {
        void after(long delayMillis, Runnable action);
    }

    private SimulatedBudget() {}

    /**
     * The budget as the service builds it (60 s rate recovery, 30 s longest pause), with its own meters.
     *
     * @param pacedSubmits as the service sets it for schedules that defer first polls ({@code defersFirstPoll})
     */
    public static RequestBudget create(
            double perSecond, int maxInFlight, boolean pacedSubmits, LongSupplier nanos, Timer timer) {
        return new RequestBudget(
                perSecond,
                Duration.ofSeconds(60),
                maxInFlight + RequestBudget.WAIT_QUEUE_SLACK,
                Duration.ofSeconds(30),
                pacedSubmits,
                nanos,
                timer::after,
                new BridgeMetrics(new SimpleMeterRegistry()));
    }
}
