package io.whisulbridge.client;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.WebClient;
import io.whisulbridge.config.BridgeConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The two Whisul calls on a non-blocking Vert.x client. Every answer, including connection errors and timeouts,
 * comes back as a classified response, never as a failed Uni, so callers decide retries in one place.
 */
@ApplicationScoped
public class WhisulClient {

    // Each job has at most one call outstanding, so the wait queue never needs more than the in-flight limit;
    // the slack covers the key re-check and the status probe.
    private static final int WAIT_QUEUE_SLACK = 16;

    private final WebClient web;
    private final String baseUrl;
    private final String authorization;
    private final Duration timeout;

    public WhisulClient(Vertx vertx, BridgeConfig config) {
        BridgeConfig.Whisul whisul = config.whisul();
        this.baseUrl = trimTrailingSlash(whisul.baseUrl());
        this.authorization = "Bearer " + whisul.apiKey().orElse("");
        this.timeout = whisul.requestTimeout();
        this.web = WebClient.create(vertx, new WebClientOptions()
                .setMaxPoolSize(whisul.maxConnections())
                .setMaxWaitQueueSize(config.bridge().maxInFlight() + WAIT_QUEUE_SLACK)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .setKeepAlive(true)
                .setKeepAliveTimeout(30)
                .setFollowRedirects(false)
                .setUserAgent("whisul-bridge"));
    }

    public Uni<SubmitResponse> submit(String prompt) {
        return send(web.postAbs(baseUrl + "/generate"), new JsonObject().put("prompt", prompt))
                .map(response -> WhisulResponses.submit(response.statusCode(), response.getHeader("Retry-After"),
                        response.bodyAsString(), Instant.now()))
                .onFailure().recoverWithItem(failure -> new SubmitResponse.Transient(describe(failure), null));
    }

    public Uni<PollResponse> poll(String jobId) {
        return send(web.getAbs(baseUrl + "/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8)), null)
                .map(response -> WhisulResponses.poll(response.statusCode(), response.getHeader("Retry-After"),
                        response.bodyAsString(), Instant.now()))
                .onFailure().recoverWithItem(failure -> new PollResponse.Transient(describe(failure), null));
    }

    /** Asks for a job that cannot exist: 404 proves the key works without creating (and paying for) a job. */
    public Uni<PollResponse> probeKey() {
        return poll("whisul-bridge-key-check-" + UUID.randomUUID());
    }

    private Uni<HttpResponse<Buffer>> send(HttpRequest<Buffer> request, JsonObject body) {
        // The Vert.x timeout closes a connection that goes quiet; the Mutiny one bounds a response that trickles.
        request.putHeader("Authorization", authorization)
                .putHeader("Accept", "application/json")
                .timeout(timeout.toMillis());
        Uni<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
        return sent.ifNoItem().after(timeout.plusSeconds(1))
                .failWith(() -> new TimeoutException("no complete response within " + timeout));
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        String kind = failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")
                ? "timeout" : failure.getClass().getSimpleName();
        return kind + (message == null ? "" : ": " + message);
    }

    private static String trimTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @PreDestroy
    void close() {
        web.close();
    }
}
