package io.whisulbridge.webhook;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.mutiny.core.Vertx;
import io.whisulbridge.config.BridgeConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One attempt of one delivery, on a non-blocking Vert.x client: check the URL, resolve the host (on a worker thread,
 * since the JDK resolver blocks), check every address it resolved to, then connect to exactly the address that was
 * checked (the request's Host header and TLS name stay the URL's host), so a name that resolves differently a moment
 * later cannot slip past the check. Redirects are not followed; at most {@link #MAX_RESPONSE_BYTES} of the answer are
 * read; the whole attempt is bounded by WEBHOOK_TIMEOUT. Every ending comes back as an {@link Attempt}, never as a
 * failed Uni.
 */
@ApplicationScoped
public class WebhookSender {

    /** Enough for an error message in the exhausted topic; a receiver cannot make the service read more. */
    static final int MAX_RESPONSE_BYTES = 1024;

    private final HttpClient http;
    private final DeliveryRules rules;
    private final Optional<WebhookSigner> signer;
    private final Duration timeout;

    public WebhookSender(Vertx vertx, BridgeConfig config) {
        BridgeConfig.Webhook webhook = config.webhook();
        this.rules = new DeliveryRules(
                DeliveryRules.hosts(webhook.allowedHosts()), webhook.allowHttp(), webhook.allowPrivateNetworks());
        this.signer = webhook.secret().filter(secret -> !secret.isBlank()).map(WebhookSigner::of);
        this.timeout = webhook.timeout();
        this.http = vertx.getDelegate()
                .createHttpClient(new HttpClientOptions()
                        .setMaxPoolSize(Math.max(1, webhook.maxInFlight()))
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(30)
                        // the TLS name and the certificate check are the URL's host, though the socket goes to a
                        // checked address
                        .setForceSni(true)
                        .setVerifyHost(true)
                        // headers carry signatures; they are never logged
                        .setLogActivity(false)
                        .setTracingPolicy(TracingPolicy.IGNORE));
    }

    public boolean canSign() {
        return signer.isPresent();
    }

    public Uni<Attempt> attempt(Delivery delivery) {
        Optional<DeliveryRules.Refusal> refused = rules.checkUrl(delivery.url(), delivery.callback());
        if (refused.isPresent()) {
            return Uni.createFrom().item(new Attempt.Refused(refused.get()));
        }
        URI uri = URI.create(delivery.url());
        String host = DeliveryRules.hostOf(uri);
        return resolve(host)
                .flatMap(addresses -> checkThenSend(delivery, uri, host, addresses))
                .ifNoItem()
                .after(timeout)
                .recoverWithItem(() -> Attempt.noResponse("no answer within " + timeout))
                .onFailure()
                .recoverWithItem(failure -> Attempt.noResponse(describe(failure)));
    }

    private Uni<List<InetAddress>> resolve(String host) {
        return Uni.createFrom().item(() -> lookUp(host)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static List<InetAddress> lookUp(String host) {
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException unknown) {
            throw new IllegalStateException("unknown host " + host);
        }
    }

    private Uni<Attempt> checkThenSend(Delivery delivery, URI uri, String host, List<InetAddress> addresses) {
        Optional<DeliveryRules.Refusal> refused = rules.checkAddresses(host, addresses);
        if (refused.isPresent()) {
            return Uni.createFrom().item(new Attempt.Refused(refused.get()));
        }
        return Uni.createFrom()
                .completionStage(() -> send(delivery, uri, addresses.get(0)).toCompletionStage());
    }

    private Future<Attempt> send(Delivery delivery, URI uri, InetAddress address) {
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
        long timestamp = Instant.now().getEpochSecond();
        String signature = signer.orElseThrow(() -> new IllegalStateException("WEBHOOK_SECRET is not set"))
                .signature(delivery.webhookId(), timestamp, delivery.body());
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(uri.toString())
                .setPort(port)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setFollowRedirects(false)
                .setIdleTimeout(timeout.toMillis())
                .putHeader("content-type", "application/json")
                .putHeader("user-agent", "whisul-bridge")
                .putHeader("webhook-id", delivery.webhookId())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader("webhook-signature", signature);
        return http.request(options)
                .compose(request -> request.send(Buffer.buffer(delivery.body(), StandardCharsets.UTF_8.name())))
                .compose(WebhookSender::readBounded);
    }

    /** The status and at most {@link #MAX_RESPONSE_BYTES} of the body; a longer answer is cut off with a reset. */
    private static Future<Attempt> readBounded(HttpClientResponse response) {
        Promise<Attempt> done = Promise.promise();
        Buffer head = Buffer.buffer();
        response.exceptionHandler(failure -> done.tryFail(failure));
        response.handler(chunk -> {
            int room = MAX_RESPONSE_BYTES - head.length();
            head.appendBuffer(chunk.length() > room ? chunk.slice(0, room) : chunk);
            if (head.length() >= MAX_RESPONSE_BYTES) {
                done.tryComplete(classify(response, head));
                response.request().reset();
            }
        });
        response.endHandler(end -> done.tryComplete(classify(response, head)));
        return done.future();
    }

    private static Attempt classify(HttpClientResponse response, Buffer head) {
        String text =
                head.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        return Attempt.ofResponse(
                response.statusCode(),
                response.getHeader("Retry-After"),
                text.length() > 200 ? text.substring(0, 200) + "…" : text,
                Instant.now());
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    @PreDestroy
    void close() {
        http.close();
    }
}
