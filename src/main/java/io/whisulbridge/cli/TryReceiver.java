package io.whisulbridge.cli;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The receiver of {@code ./run-local try --webhook}: an HTTP server on 127.0.0.1 (an ephemeral port) that takes the
 * bridge's signed deliveries and checks each signature with the local run's secret, as any receiver should, using
 * the Standard Webhooks library. Deliveries are handed to the try command through a bounded queue.
 */
final class TryReceiver implements AutoCloseable {

    /** A webhook as it arrived; {@code problem} is null when its signature verified. */
    record Delivery(String id, String timestamp, String body, String problem) {
        boolean verified() {
            return problem == null;
        }
    }

    /** The only request this receiver expects is one outcome; anything past a few is not worth keeping. */
    private static final int QUEUE = 16;
    /** A song's outcome is a few KiB; a larger body is not one of ours. */
    private static final int MAX_BODY = 1 << 20;

    private final HttpServer server;
    private final Webhook verifier;
    private final LinkedBlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>(QUEUE);

    private TryReceiver(HttpServer server, Webhook verifier) {
        this.server = server;
        this.verifier = verifier;
    }

    static TryReceiver start(String secret) throws IOException {
        Webhook verifier;
        try {
            verifier = new Webhook(secret.split(",")[0].trim());
        } catch (EmptyWebhookSecretException | IllegalArgumentException unusable) {
            throw new IllegalArgumentException("the webhook secret is not whsec_ followed by base64");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        TryReceiver receiver = new TryReceiver(server, verifier);
        server.createContext("/", receiver::handle);
        server.start();
        return receiver;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhook";
    }

    /** The next delivery, or null if none came within {@code wait}. */
    Delivery next(Duration wait) throws InterruptedException {
        return deliveries.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY);
        }
        String body = new String(bytes, StandardCharsets.UTF_8);
        String id = header(exchange, "webhook-id");
        String timestamp = header(exchange, "webhook-timestamp");
        // the library looks headers up by their lower-case names; the JDK server capitalises them
        Map<String, List<String>> headers = Map.of(
                "webhook-id",
                List.of(id),
                "webhook-timestamp",
                List.of(timestamp),
                "webhook-signature",
                List.of(header(exchange, "webhook-signature")));
        String problem = null;
        try {
            verifier.verify(body, headers);
        } catch (WebhookVerificationException rejected) {
            problem = rejected.getMessage();
        }
        deliveries.offer(new Delivery(id, timestamp, body, problem));
        exchange.sendResponseHeaders(problem == null ? 204 : 401, -1);
        exchange.close();
    }

    private static String header(HttpExchange exchange, String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null ? "" : value;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
