package io.whisulbridge.polling;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** Waits on Vert.x timers: tens of thousands of sleeping jobs cost a timer each, not a thread. */
@ApplicationScoped
public class Delays {

    private final Vertx vertx;

    public Delays(Vertx vertx) {
        this.vertx = vertx;
    }

    public Uni<Void> sleep(Duration delay) {
        long millis = delay.toMillis();
        if (millis <= 0) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().emitter(emitter -> {
            long timer = vertx.setTimer(millis, fired -> emitter.complete(null));
            emitter.onTermination(() -> vertx.cancelTimer(timer));
        });
    }
}
