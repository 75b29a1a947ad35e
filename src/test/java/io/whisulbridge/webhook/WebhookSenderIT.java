package io.whisulbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.mutiny.core.Vertx;
import io.whisulbridge.config.BridgeConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One attempt against a real HTTP server on 127.0.0.1 (the only address any test connects to): what the sender does
 * with a redirect, a huge answer and no answer. A 2 s timeout keeps the test short.
 */
class WebhookSenderIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final AtomicInteger redirectTargetHits = new AtomicInteger();
    private final ExecutorService handlers = Executors.newFixedThreadPool(4);
    private HttpServer server;
    private Vertx vertx;
    private WebhookSender sender;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.createContext("/redirect", exchange -> {
            exchange.getResponseHeaders().add("Location", url("/target"));
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        server.createContext("/target", exchange -> {
            redirectTargetHits.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext("/huge", exchange -> {
            // 1 GiB of error page, streamed: reading it all would outlast the timeout, so only a sender that stops
            // reading early gets to see the 500
            exchange.sendResponseHeaders(500, 0);
            byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 16 * 1024; i++) {
                    out.write(chunk);
                }
            } catch (IOException resetByTheSender) {
                // expected: the sender stops reading after a few KiB
            }
        });
        server.createContext("/silent", exchange -> {
            try {
                Thread.sleep(TIMEOUT.multipliedBy(3).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.setExecutor(handlers);
        server.start();
        vertx = Vertx.vertx();
        sender = new WebhookSender(vertx, config());
    }

    @AfterEach
    void stop() {
        sender.close();
        vertx.closeAndAwait();
        server.stop(0);
        handlers.shutdownNow();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static BridgeConfig config() {
        Map<String, String> properties = Map.of(
                "webhook.secret",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "webhook.allow-http",
                "true",
                "webhook.allow-private-networks",
                "true",
                "webhook.timeout",
                TIMEOUT.toMillis() + "ms");
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(BridgeConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(BridgeConfig.class);
    }

    private Attempt attempt(String path) {
        return sender.attempt(Delivery.first("r-1:completed", url(path), false, "{}"))
                .await()
                .atMost(TIMEOUT.multipliedBy(3));
    }

    @Test
    void aRedirectIsAFailedAttemptAndIsNotFollowed() {
        assertThat(attempt("/redirect")).isEqualTo(new Attempt.Failed(307, "HTTP 307", null));
        assertThat(redirectTargetHits).hasValue(0);
    }

    @Test
    void onlyTheStartOfAHugeAnswerIsReadAndTheAttemptEndsPromptly() {
        long started = System.nanoTime();
        Attempt attempt = attempt("/huge");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(attempt).isInstanceOfSatisfying(Attempt.Failed.class, failed -> {
            assertThat(failed.status()).isEqualTo(500);
            assertThat(failed.error()).hasSizeLessThan(WebhookSender.MAX_RESPONSE_BYTES);
        });
        assertThat(took).isLessThan(TIMEOUT);
    }

    @Test
    void aReceiverThatNeverAnswersCostsOneTimeout() {
        long started = System.nanoTime();
        Attempt attempt = attempt("/silent");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(attempt)
                .isInstanceOfSatisfying(
                        Attempt.Failed.class,
                        failed -> assertThat(failed.status()).isZero());
        assertThat(took).isBetween(TIMEOUT.minusMillis(100), TIMEOUT.plusSeconds(2));
    }
}
