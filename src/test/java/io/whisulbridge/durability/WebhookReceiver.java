package io.whisulbridge.durability;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A webhook receiver on 127.0.0.1, as a customer would write one: it checks each delivery's signature with the secret
 * it was given (the Standard Webhooks library's own verifier) and answers with the status the test sets.
 */
final class WebhookReceiver implements AutoCloseable {

    /** One request as it arrived. */
    record Received(String path, String webhookId, String body, boolean verified, int answeredWith) {
        boolean accepted() {
            return answeredWith / 100 == 2;
        }
    }

    private final HttpServer server;
    private final Webhook verifier;
    private final AtomicInteger status = new AtomicInteger(200);
    private final List<Received> received = new CopyOnWriteArrayList<>();

    WebhookReceiver(String secret) throws IOException {
        this(secret, 0);
    }

    /** @param port 0 for any free port; a given one, to come back where a receiver that was down used to be */
    WebhookReceiver(String secret, int port) throws IOException {
        this.verifier = verifier(secret);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server.createContext("/", this::handle);
        server.start();
    }

    private static Webhook verifier(String secret) {
        try {
            return new Webhook(secret);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a whsec_ secret", e);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The status every following request is answered with. */
    void answer(int httpStatus) {
        status.set(httpStatus);
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Requests per webhook-id. */
    Map<String, Long> requestsPerId() {
        return received.stream().collect(Collectors.groupingBy(Received::webhookId, Collectors.counting()));
    }

    /** The first request answered 2xx, per webhook-id: what the receiver accepted. */
    Map<String, Received> acceptedPerId() {
        return received.stream()
                .filter(Received::accepted)
                .collect(Collectors.toMap(Received::webhookId, Function.identity(), (first, later) -> first));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // the library looks headers up by their lower-case names; the JDK server capitalises them
        Map<String, List<String>> headers = Map.of(
                "webhook-id", List.of(nullToEmpty(exchange.getRequestHeaders().getFirst("webhook-id"))),
                "webhook-timestamp",
                        List.of(nullToEmpty(exchange.getRequestHeaders().getFirst("webhook-timestamp"))),
                "webhook-signature",
                        List.of(nullToEmpty(exchange.getRequestHeaders().getFirst("webhook-signature"))));
        boolean verified;
        try {
            verifier.verify(body, headers);
            verified = true;
        } catch (WebhookVerificationException forged) {
            verified = false;
        }
        int answer = status.get();
        received.add(new Received(
                exchange.getRequestURI().getPath(), headers.get("webhook-id").get(0), body, verified, answer));
        exchange.sendResponseHeaders(answer, -1);
        exchange.close();
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
