package io.whisulbridge.metrics;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Readiness as a metric, so that an alert can say "not ready" and not only "not scraped": a pod whose key Whisul
 * rejects is alive and scraped, yet does no work. The checks run every few seconds on a worker thread (the Kafka
 * check talks to the broker) rather than inside a scrape.
 */
@ApplicationScoped
public class ReadinessMetric {

    private static final Logger LOG = Logger.getLogger(ReadinessMetric.class);
    static final long REFRESH_MILLIS = 5_000;

    private final SmallRyeHealthReporter health;
    private final Vertx vertx;
    private final BridgeMetrics metrics;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicBoolean checking = new AtomicBoolean();
    private long timer = -1;

    public ReadinessMetric(SmallRyeHealthReporter health, Vertx vertx, BridgeMetrics metrics) {
        this.health = health;
        this.vertx = vertx;
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent started) {
        metrics.registerReadiness(() -> ready.get() ? 1 : 0);
        refresh();
        timer = vertx.setPeriodic(REFRESH_MILLIS, tick -> refresh());
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        ready.set(false);
    }

    private void refresh() {
        if (!checking.compareAndSet(false, true)) {
            return; // the previous check is still running
        }
        health.getReadinessAsync()
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(
                        answer -> {
                            ready.set(!answer.isDown());
                            checking.set(false);
                        },
                        failure -> {
                            LOG.debugf(failure, "readiness check failed; reporting not ready");
                            ready.set(false);
                            checking.set(false);
                        });
    }
}
