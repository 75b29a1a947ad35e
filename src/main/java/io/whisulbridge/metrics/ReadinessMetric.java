package io.whisulbridge.metrics;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Readiness as a metric, so that an alert can say "not ready" and not only "not scraped": a pod whose key Whisul
 * rejects is alive and scraped, yet does no work. It runs the same {@code @Readiness} checks as
 * {@code /q/health/ready}, every few seconds on a worker thread (the Kafka check talks to the broker), not inside a
 * scrape. The checks are called directly rather than through the health reporter, which logs every DOWN answer:
 * the probes already do that.
 */
@ApplicationScoped
public class ReadinessMetric {

    private static final Logger LOG = Logger.getLogger(ReadinessMetric.class);
    static final Duration REFRESH = Duration.ofSeconds(5);

    private final Instance<HealthCheck> checks;
    private final Instance<AsyncHealthCheck> asyncChecks;
    private final Vertx vertx;
    private final BridgeMetrics metrics;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicBoolean checking = new AtomicBoolean();
    private List<HealthCheck> resolved = List.of();
    private List<AsyncHealthCheck> resolvedAsync = List.of();
    private long timer = -1;

    public ReadinessMetric(
            @Readiness Instance<HealthCheck> checks,
            @Readiness Instance<AsyncHealthCheck> asyncChecks,
            Vertx vertx,
            BridgeMetrics metrics) {
        this.checks = checks;
        this.asyncChecks = asyncChecks;
        this.vertx = vertx;
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent started) {
        // resolved once: a @Dependent check resolved on every tick would be a new instance each time, never destroyed
        resolved = checks.stream().toList();
        resolvedAsync = asyncChecks.stream().toList();
        metrics.registerReadiness(() -> ready.get() ? 1 : 0);
        refresh();
        timer = vertx.setPeriodic(REFRESH.toMillis(), tick -> refresh());
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        ready.set(false);
    }

    private void refresh() {
        if (!checking.compareAndSet(false, true)) {
            return; // the previous round is still running
        }
        Uni.createFrom()
                .item(this::allUp)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .subscribe()
                .with(
                        up -> {
                            ready.set(up);
                            checking.set(false);
                        },
                        failure -> {
                            LOG.debugf(failure, "readiness checks failed; reporting not ready");
                            ready.set(false);
                            checking.set(false);
                        });
    }

    private boolean allUp() {
        for (HealthCheck check : resolved) {
            if (!up(check.call())) {
                return false;
            }
        }
        for (AsyncHealthCheck check : resolvedAsync) {
            if (!up(check.call().await().atMost(REFRESH))) {
                return false;
            }
        }
        return true;
    }

    private static boolean up(HealthCheckResponse response) {
        return response != null && response.getStatus() == HealthCheckResponse.Status.UP;
    }
}
