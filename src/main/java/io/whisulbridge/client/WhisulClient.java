package io.whisulbridge.client;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.metrics.BridgeMetrics;
import io.whisulbridge.metrics.BridgeMetrics.Endpoint;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The two Whisul calls on a non-blocking Vert.x client. Every answer, including connection errors and timeouts,
 * comes back as a classified response, never as a failed Uni, so callers decide retries in one place. Every call
 * first takes a permit from the {@link RequestBudget}, and every 429 is reported back to it.
 */
@ApplicationScoped
public class WhisulClient {

    private static final Duration BUDGET_QUEUE_FULL_RETRY = Duration.ofSeconds(1);

    private final WebClient web;
    private final RequestBudget budget;
    private final BridgeMetrics metrics;
    private final String baseUrl;
    private final String authorization;
    private final Duration timeout;

    public WhisulClient(Vertx vertx, BridgeConfig config, RequestBudget budget, BridgeMetrics metrics) {
        this.budget = budget;
        this.metrics = metrics;
        BridgeConfig.Whisul whisul = config.whisul();
        this.baseUrl = trimTrailingSlash(whisul.baseUrl());
        this.authorization = "Bearer " + whisul.apiKey().orElse("");
        this.timeout = whisul.requestTimeout();
        this.web = WebClient.create(
                vertx,
                new WebClientOptions()
                        .setMaxPoolSize(whisul.maxConnections())
                        // as many calls as the budget lets wait, for the same reason: one per job, plus the key probe
                        .setMaxWaitQueueSize(config.bridge().maxInFlight() + RequestBudget.WAIT_QUEUE_SLACK)
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(30)
                        .setFollowRedirects(false)
                        // headers are never logged (the Authorization header carries the key) ...
                        .setLogActivity(false)
                        // ... and calls are traced as children of their job's span (JobTracing), not as orphan client
                        // spans
                        .setTracingPolicy(TracingPolicy.IGNORE)
                        .setUserAgent("whisul-bridge"));
    }

    public Uni<SubmitResponse> submit(String prompt) {
        return submit(prompt, Uni.createFrom().voidItem());
    }

    /**
     * {@code gate} runs once the budget lets the call out and right before it leaves: a refusal (a fenced write)
     * fails the Uni as it is and nothing is sent, so a process that lost its partition pays Whisul nothing.
     */
    public Uni<SubmitResponse> submit(String prompt, Uni<Void> gate) {
        return call(
                Endpoint.GENERATE,
                web.postAbs(baseUrl + "/generate"),
                new JsonObject().put("prompt", prompt),
                gate,
                RequestBudget.SUBMIT,
                WhisulResponses::submit,
                SubmitResponse.Deferred::new,
                description -> new SubmitResponse.Transient(description, null));
    }

    public Uni<PollResponse> poll(String jobId) {
        return poll(jobId, 0);
    }

    /**
     * @param doneChance how likely the poll is to find the job done, in [0, 1]: when the request budget binds,
     *                   likelier polls go first (and every poll before any submit)
     */
    public Uni<PollResponse> poll(String jobId, double doneChance) {
        return poll(Endpoint.JOB, jobId, RequestBudget.pollPriority(doneChance));
    }

    /** Asks for a job that cannot exist: 404 proves the key works without creating (and paying for) a job. */
    public Uni<PollResponse> probeKey() {
        return poll(Endpoint.PROBE, "whisul-bridge-key-check-" + UUID.randomUUID(), RequestBudget.PROBE);
    }

    private Uni<PollResponse> poll(Endpoint endpoint, String jobId, double priority) {
        return call(
                endpoint,
                web.getAbs(baseUrl + "/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8)),
                null,
                Uni.createFrom().voidItem(),
                priority,
                WhisulResponses::poll,
                PollResponse.Deferred::new,
                description -> new PollResponse.Transient(description, null));
    }

    /** How one endpoint's HTTP answers are classified ({@link WhisulResponses}). */
    private interface Classifier<R> {
        R classify(int status, String retryAfter, String body, Instant now);
    }

    /**
     * One call, answered with a classified response: a budget queue that is full defers it, a transport error or
     * timeout is transient, and only a gate's refusal fails the Uni.
     */
    private <R> Uni<R> call(
            Endpoint endpoint,
            HttpRequest<Buffer> request,
            JsonObject body,
            Uni<Void> gate,
            double priority,
            Classifier<R> classify,
            Function<Duration, R> deferred,
            Function<String, R> unanswered) {
        return send(endpoint, request, body, gate, priority)
                .map(exchange -> {
                    HttpResponse<Buffer> response = exchange.response();
                    String retryAfter = response.getHeader("Retry-After");
                    Instant now = Instant.now();
                    // only a 429 says the account is over its rate; a 5xx with Retry-After is one server's trouble
                    if (response.statusCode() == 429) {
                        budget.throttled(exchange.permit(), WhisulResponses.retryAfterOf(429, retryAfter, now));
                    }
                    return classify.classify(response.statusCode(), retryAfter, response.bodyAsString(), now);
                })
                .onFailure(RequestBudget.QueueFull.class)
                .recoverWithItem(() -> deferred.apply(BUDGET_QUEUE_FULL_RETRY))
                .onFailure(failure -> !(failure instanceof GateRefused))
                .recoverWithItem(failure -> unanswered.apply(describe(failure)))
                .onFailure(GateRefused.class)
                .transform(Throwable::getCause);
    }

    private Uni<Exchange> send(
            Endpoint endpoint, HttpRequest<Buffer> request, JsonObject body, Uni<Void> gate, double priority) {
        // The Vert.x timeout closes a connection that goes quiet; the Mutiny one bounds a response that trickles.
        // Both start once the budget lets the call out: waiting for a permit is not Whisul being slow.
        request.putHeader("Authorization", authorization)
                .putHeader("Accept", "application/json")
                .timeout(timeout.toMillis());
        return budget.acquire(priority)
                .chain(permit -> gate.onFailure().transform(GateRefused::new).replaceWith(permit))
                .chain(permit -> {
                    long start = System.nanoTime();
                    Uni<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
                    return sent.ifNoItem()
                            .after(timeout.plusSeconds(1))
                            .failWith(() -> new TimeoutException("no complete response within " + timeout))
                            .onItemOrFailure()
                            .invoke((response, failure) -> metrics.whisulRequest(
                                    endpoint,
                                    response != null
                                            ? String.valueOf(response.statusCode())
                                            : isTimeout(failure) ? "timeout" : "error",
                                    Duration.ofNanos(System.nanoTime() - start)))
                            .map(response -> new Exchange(permit, response));
                });
    }

    private record Exchange(RequestBudget.Permit permit, HttpResponse<Buffer> response) {}

    /** Carries a gate's refusal past the classification of transport errors. */
    private static final class GateRefused extends RuntimeException {
        GateRefused(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private static boolean isTimeout(Throwable failure) {
        return failure instanceof TimeoutException
                || failure.getClass().getSimpleName().contains("Timeout");
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        String kind = isTimeout(failure) ? "timeout" : failure.getClass().getSimpleName();
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
