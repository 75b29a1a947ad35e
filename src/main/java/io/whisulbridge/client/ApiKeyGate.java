package io.whisulbridge.client;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Vertx;
import io.whisulbridge.concurrent.WaitQueue;
import io.whisulbridge.config.BridgeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * A rejected key (401/403) is the service's fault, not the request's: while it lasts no new prompt is admitted,
 * jobs that met it wait here instead of failing, and readiness is DOWN. A cheap probe re-checks the key
 * periodically and opens the gate again on its own.
 */
@ApplicationScoped
public class ApiKeyGate {

    private static final Logger LOG = Logger.getLogger(ApiKeyGate.class);

    private final WhisulClient whisul;
    private final Vertx vertx;
    private final Duration recheckInterval;
    private final WaitQueue<Void> waiting = new WaitQueue<>(this);
    private Instant rejectedSince;
    private int rejectedStatus;

    public ApiKeyGate(WhisulClient whisul, Vertx vertx, BridgeConfig config) {
        this.whisul = whisul;
        this.vertx = vertx;
        this.recheckInterval = config.whisul().authRecheckInterval();
    }

    public synchronized boolean isKeyRejected() {
        return rejectedSince != null;
    }

    public synchronized String describe() {
        return rejectedSince == null
                ? "Whisul accepts the API key"
                : "Whisul rejected the API key (HTTP " + rejectedStatus + ") since " + rejectedSince
                        + "; set WHISUL_API_KEY to a valid key; re-checking every " + recheckInterval;
    }

    public Uni<Void> awaitValidKey() {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (rejectedSince != null) {
                    // a job handed over during the outage leaves the queue: not referenced until the key works again
                    waiting.addLast(emitter);
                    return;
                }
            }
            emitter.complete(null);
        });
    }

    public void rejected(int status) {
        synchronized (this) {
            if (rejectedSince != null) {
                return;
            }
            rejectedSince = Instant.now();
            rejectedStatus = status;
        }
        LOG.errorf(
                "Whisul rejected the API key (HTTP %d). No new prompts are taken and running jobs wait; "
                        + "no request is failed for this. Set WHISUL_API_KEY to a valid key. Re-checking every %s.",
                status, recheckInterval);
        scheduleRecheck();
    }

    private void scheduleRecheck() {
        vertx.setTimer(
                Math.max(1, recheckInterval.toMillis()),
                fired -> whisul.probeKey().subscribe().with(this::onProbe, failure -> scheduleRecheck()));
    }

    /**
     * Only an answer from Whisul that is not a refusal proves the key: a 401, an error, or a probe that our own
     * budget held back (it never reached Whisul) proves nothing.
     */
    static boolean provesKey(PollResponse answer) {
        return !(answer instanceof PollResponse.Unauthorized
                || answer instanceof PollResponse.Transient
                || answer instanceof PollResponse.Deferred);
    }

    private void onProbe(PollResponse answer) {
        if (!provesKey(answer)) {
            scheduleRecheck();
            return;
        }
        List<UniEmitter<? super Void>> released;
        synchronized (this) {
            rejectedSince = null;
            released = waiting.pollAll();
        }
        LOG.infof(
                "Whisul accepts the API key again; resuming %d waiting job(s) and taking new prompts.",
                released.size());
        released.forEach(emitter -> emitter.complete(null));
    }
}
