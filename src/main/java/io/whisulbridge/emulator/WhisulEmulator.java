package io.whisulbridge.emulator;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * A local stand-in for the Whisul API over real HTTP. Plain Vert.x, no CDI, so tests, benchmarks and
 * {@link EmulatorMain} can all start it the same way. See docs/emulator.md.
 */
public final class WhisulEmulator implements AutoCloseable {

    private static final Duration BLOCKING_TIMEOUT = Duration.ofSeconds(30);

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final EmulatorServer server;
    private final String deploymentId;

    private WhisulEmulator(Vertx vertx, boolean ownsVertx, EmulatorServer server, String deploymentId) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.server = server;
        this.deploymentId = deploymentId;
    }

    public static Future<WhisulEmulator> start(Vertx vertx, EmulatorSettings settings) {
        return start(vertx, settings, false);
    }

    /** Starts on a private Vertx instance that {@link #stop()} closes. */
    public static Future<WhisulEmulator> start(EmulatorSettings settings) {
        Vertx own = Vertx.vertx();
        return start(own, settings, true).onFailure(e -> own.close());
    }

    /** For test set-up code; must not be called on an event-loop thread. */
    public static WhisulEmulator startBlocking(Vertx vertx, EmulatorSettings settings) {
        return await(start(vertx, settings));
    }

    public static WhisulEmulator startBlocking(EmulatorSettings settings) {
        return await(start(settings));
    }

    private static Future<WhisulEmulator> start(Vertx vertx, EmulatorSettings settings, boolean ownsVertx) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(settings, "settings");
        EmulatorServer server = new EmulatorServer(settings);
        return vertx.deployVerticle(server).map(id -> new WhisulEmulator(vertx, ownsVertx, server, id));
    }

    public int port() {
        return server.port();
    }

    /** What the bridge's WHISUL_BASE_URL should be, e.g. {@code http://127.0.0.1:41234/api}. */
    public String baseUrl() {
        return server.localRoot() + "/api";
    }

    /** Scheme, host and port without the {@code /api} path; admin endpoints live under it. */
    public String rootUrl() {
        return server.localRoot();
    }

    /** Prefix of {@code song_url} and {@code image_url}. */
    public String publicBaseUrl() {
        return server.publicRoot();
    }

    /** The first accepted key: the one to hand to a client. */
    public String apiKey() {
        return server.settings().apiKeys().get(0);
    }

    public EmulatorSettings settings() {
        return server.settings();
    }

    /** Takes effect for the next request. Host, port and renderThreads must be unchanged. */
    public EmulatorSettings updateSettings(EmulatorSettings settings) {
        return server.update(Objects.requireNonNull(settings, "settings"));
    }

    public EmulatorSettings updateSettings(UnaryOperator<EmulatorSettings.Builder> change) {
        return server.update(change.apply(server.settings().toBuilder()).build());
    }

    public EmulatorStats stats() {
        return server.snapshot();
    }

    /** Zeroes the counters; jobs keep running. Safe from any thread. */
    public void resetStats() {
        server.stats.reset();
    }

    /** Forgets every job, cached asset and rate-limit bucket, and zeroes the stats. */
    public Future<Void> reset() {
        return server.resetAll();
    }

    public Future<Void> stop() {
        // Closing an owned Vertx undeploys us anyway; chaining close() after undeploy instead would complete on
        // the undeployed verticle's context, which Vert.x has already shut down.
        return ownsVertx ? vertx.close() : vertx.undeploy(deploymentId);
    }

    /** Blocking {@link #stop()} for try-with-resources and @AfterEach. */
    @Override
    public void close() {
        await(stop());
    }

    private static <T> T await(Future<T> future) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("blocking emulator call on an event-loop thread; use the Future API");
        }
        try {
            return future.toCompletionStage()
                    .toCompletableFuture()
                    .get(BLOCKING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the emulator", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("emulator operation failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("emulator operation timed out after " + BLOCKING_TIMEOUT, e);
        }
    }
}
