package io.whisulbridge.emulator;

import static io.whisulbridge.emulator.EmulatorStats.ADMIN;
import static io.whisulbridge.emulator.EmulatorStats.AUDIO;
import static io.whisulbridge.emulator.EmulatorStats.COVER;
import static io.whisulbridge.emulator.EmulatorStats.GENERATE;
import static io.whisulbridge.emulator.EmulatorStats.JOB;
import static io.whisulbridge.emulator.EmulatorStats.OTHER;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The HTTP side and the job lifecycle. Deployed as a verticle so that every handler, timer and render callback
 * runs on one event-loop context: the job table, finished-queue, token buckets and asset cache need no locks.
 * Only settings (volatile) and stats (concurrent) are shared with other threads.
 */
final class EmulatorServer extends AbstractVerticle {

    private static final System.Logger LOG = System.getLogger(WhisulEmulator.class.getName());
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final long SWEEP_INTERVAL_MS = 100;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private volatile EmulatorSettings settings;
    private volatile Random random;
    private volatile int actualPort;
    final StatsRecorder stats = new StatsRecorder();
    private final AtomicInteger retainedJobs = new AtomicInteger();

    private final Map<String, EmulatedJob> jobs = new HashMap<>();
    private final ArrayDeque<EmulatedJob> finished = new ArrayDeque<>();
    private final Map<String, TokenBucket> buckets = new HashMap<>();
    private HttpServer server;
    private WorkerExecutor renderers;
    private AssetCache assets;

    EmulatorServer(EmulatorSettings settings) {
        this.settings = settings;
        this.random = newRandom(settings.seed());
    }

    @Override
    public void start(Promise<Void> startPromise) {
        EmulatorSettings s = settings;
        renderers = vertx.createSharedWorkerExecutor(
                "whisul-emulator-render-" + INSTANCES.incrementAndGet(), s.renderThreads());
        assets = new AssetCache(renderers, s.renderCacheBytes());
        server = vertx.createHttpServer(new HttpServerOptions()
                        .setHost(s.host())
                        .setPort(s.port())
                        .setCompressionSupported(false)
                        // HTTP/1.1 only, as the API it stands in for: the JDK's HttpClient asks every plain-http
                        // request
                        // to upgrade to h2c, and a large asset over the upgraded connection once came as one frame
                        // larger than the client accepts
                        .setHttp2ClearTextEnabled(false)
                        // curl sends Expect: 100-continue for bodies over 1 KiB and would otherwise stall a second.
                        .setHandle100ContinueAutomatically(true))
                .requestHandler(this::handle)
                .exceptionHandler(t -> LOG.log(System.Logger.Level.DEBUG, "Emulator connection error", t));
        server.listen().onComplete(ar -> {
            if (ar.succeeded()) {
                actualPort = ar.result().actualPort();
                vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> sweep());
                startPromise.complete();
            } else {
                startPromise.fail(ar.cause());
            }
        });
    }

    @Override
    public void stop(Promise<Void> stopPromise) {
        Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
        closed.onComplete(ar -> {
            if (renderers != null) {
                renderers.close();
            }
            stopPromise.complete();
        });
    }

    int port() {
        return actualPort;
    }

    EmulatorSettings settings() {
        return settings;
    }

    String localRoot() {
        String h = settings.host();
        if (h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]") || h.isBlank()) {
            h = "127.0.0.1";
        } else if (h.contains(":") && !h.startsWith("[")) {
            h = "[" + h + "]";
        }
        return "http://" + h + ":" + actualPort;
    }

    String publicRoot() {
        String configured = settings.publicBaseUrl();
        return configured != null ? configured : localRoot();
    }

    EmulatorStats snapshot() {
        return stats.snapshot(retainedJobs.get());
    }

    /** Any thread. Host, port and render threads are bound at start, so changing them is refused. */
    synchronized EmulatorSettings update(EmulatorSettings next) {
        EmulatorSettings prev = settings;
        if (!prev.host().equals(next.host())
                || prev.port() != next.port()
                || prev.renderThreads() != next.renderThreads()) {
            throw new IllegalArgumentException("host, port and renderThreads cannot change while running");
        }
        settings = next;
        if (!Objects.equals(prev.seed(), next.seed())) {
            random = newRandom(next.seed());
        }
        if (prev.renderCacheBytes() != next.renderCacheBytes() && context != null) {
            context.runOnContext(v -> assets.maxBytes(next.renderCacheBytes()));
        }
        return next;
    }

    /** Drops every job, bucket and cached file and zeroes the stats; the random sequence restarts from the seed. */
    Future<Void> resetAll() {
        return onContext(() -> {
            for (EmulatedJob j : jobs.values()) {
                if (j.timerId >= 0) {
                    vertx.cancelTimer(j.timerId);
                }
            }
            jobs.clear();
            finished.clear();
            buckets.clear();
            assets.clear();
            retainedJobs.set(0);
            stats.jobsDiscarded();
            stats.reset();
            random = newRandom(settings.seed());
        });
    }

    private Future<Void> onContext(Runnable action) {
        if (onOwnContext()) {
            action.run();
            return Future.succeededFuture();
        }
        Promise<Void> p = Promise.promise();
        context.runOnContext(v -> {
            try {
                action.run();
                p.complete();
            } catch (RuntimeException e) {
                p.fail(e);
            }
        });
        return p.future();
    }

    private boolean onOwnContext() {
        return context != null && Context.isOnEventLoopThread() && io.vertx.core.Vertx.currentContext() == context;
    }

    private static Random newRandom(Long seed) {
        return seed == null ? new Random() : new Random(seed);
    }

    // ---------------------------------------------------------------- routing

    private void handle(HttpServerRequest req) {
        String path = req.path();
        try {
            if (path.startsWith("/api/")) {
                api(req, path.substring(4));
            } else if (path.startsWith("/assets/")) {
                asset(req, path.substring("/assets/".length()));
            } else if (path.startsWith("/_emulator/")) {
                admin(req, path.substring("/_emulator".length()));
            } else if (path.equals("/") && req.method() == HttpMethod.GET) {
                send(
                        req,
                        OTHER,
                        Reply.text(
                                200,
                                "Whisul emulator. API base: " + localRoot() + "/api\n"
                                        + "POST /api/generate, GET /api/jobs/{id}, GET /assets/{id}.wav|.png,\n"
                                        + "GET /_emulator/stats, POST /_emulator/reset, GET|PUT /_emulator/settings\n"),
                        0);
            } else {
                send(req, OTHER, Reply.error(404, "Not found", "No route for " + req.method() + " " + path), 0);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Emulator failed to handle " + req.method() + " " + path, e);
            send(req, OTHER, Reply.error(500, "Internal server error", "Emulator bug: " + e), 0);
        }
    }

    private void api(HttpServerRequest req, String sub) {
        if (sub.equals("/generate")) {
            if (req.method() != HttpMethod.POST) {
                send(req, OTHER, Reply.methodNotAllowed("POST"), 0);
                return;
            }
            readBody(req, GENERATE, body -> apiCall(req, GENERATE, null, body));
        } else if (sub.startsWith("/jobs/") && sub.length() > "/jobs/".length() && sub.indexOf('/', 6) < 0) {
            if (req.method() != HttpMethod.GET) {
                send(req, OTHER, Reply.methodNotAllowed("GET"), 0);
                return;
            }
            apiCall(req, JOB, sub.substring("/jobs/".length()), null);
        } else {
            send(req, OTHER, Reply.error(404, "Not found", "No route for " + req.method() + " /api" + sub), 0);
        }
    }

    /**
     * Order: slowness is drawn first (it models the network and applies to every answer), then authentication
     * (a bad key is always 401, never masked by an injected fault), the real rate limit, injected 429, injected
     * 500, and only then the actual work.
     */
    private void apiCall(HttpServerRequest req, String endpoint, String jobId, Buffer body) {
        stats.apiCall();
        EmulatorSettings s = settings;
        Random rnd = random;
        long delayMs = 0;
        if (chance(rnd, s.slowResponseProbability())) {
            delayMs = between(rnd, s.slowResponseMin(), s.slowResponseMax());
            stats.slowResponse();
        }
        String key = bearer(req);
        if (key == null || !s.apiKeys().contains(key)) {
            send(
                    req,
                    endpoint,
                    Reply.error(
                                    401,
                                    "Unauthorized",
                                    key == null
                                            ? "Missing or malformed Authorization header; expected 'Bearer <API key>'."
                                            : "Invalid API key.")
                            .header("WWW-Authenticate", "Bearer"),
                    delayMs);
            return;
        }
        if (jobId != null) {
            stats.poll(jobId, s.statsMaxEntries());
        }
        if (s.rateLimitPerSecond() > 0) {
            long now = System.nanoTime();
            TokenBucket bucket = bucket(key, s, now);
            if (!bucket.tryTake(now)) {
                stats.rateLimitRejection();
                send(req, endpoint, tooManyRequests(bucket.secondsUntilToken(now)), delayMs);
                return;
            }
        }
        if (chance(rnd, s.rateLimitedProbability())) {
            stats.injectedRateLimit();
            send(req, endpoint, tooManyRequests(s.retryAfterSeconds()), delayMs);
            return;
        }
        if (chance(rnd, s.serverErrorProbability())) {
            stats.injectedServerError();
            send(
                    req,
                    endpoint,
                    Reply.error(500, "Internal server error", "An unexpected error occurred. Please try again later."),
                    delayMs);
            return;
        }
        Reply reply = endpoint.equals(GENERATE) ? generate(s, rnd, body) : poll(jobId);
        send(req, endpoint, reply, delayMs);
    }

    private TokenBucket bucket(String key, EmulatorSettings s, long now) {
        TokenBucket b = buckets.get(key);
        if (b == null || b.ratePerSecond != s.rateLimitPerSecond() || b.capacity != s.effectiveRateLimitBurst()) {
            b = new TokenBucket(s.rateLimitPerSecond(), s.effectiveRateLimitBurst(), now);
            buckets.put(key, b);
        }
        return b;
    }

    private static Reply tooManyRequests(int retryAfterSeconds) {
        Reply r = Reply.error(429, "Too many requests", "Rate limit exceeded. Please slow down and retry later.");
        return retryAfterSeconds >= 0 ? r.header("Retry-After", Integer.toString(retryAfterSeconds)) : r;
    }

    // ---------------------------------------------------------------- jobs

    private Reply generate(EmulatorSettings s, Random rnd, Buffer body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            return invalidInput("Request body must be valid JSON.");
        }
        if (root == null || !root.isObject()) {
            return invalidInput("Request body must be a JSON object like {\"prompt\": \"...\"}.");
        }
        JsonNode promptNode = root.get("prompt");
        if (promptNode == null || promptNode.isNull()) {
            return invalidInput("Field 'prompt' is required.");
        }
        if (!promptNode.isTextual()) {
            return invalidInput("Field 'prompt' must be a string.");
        }
        String prompt = promptNode.textValue();
        if (prompt.isBlank()) {
            return invalidInput("Field 'prompt' must not be empty.");
        }

        String id = UUID.randomUUID().toString();
        long durationMs = between(rnd, s.jobDurationMin(), s.jobDurationMax());
        boolean fail = chance(rnd, s.failureProbability());
        boolean expire = chance(rnd, s.expiryProbability());
        boolean asString = switch (s.durationForm()) {
            case INT -> false;
            case STRING -> true;
            case MIXED -> rnd.nextBoolean();
        };
        EmulatedJob job = new EmulatedJob(
                id, prompt, CompositionPlanner.plan(id, prompt), System.currentTimeMillis(), fail, expire, asString);
        jobs.put(id, job);
        retainedJobs.set(jobs.size());
        stats.jobCreated(prompt, s.statsMaxEntries());
        job.timerId = vertx.setTimer(Math.max(1, durationMs), t -> finish(job));

        ObjectNode n = MAPPER.createObjectNode();
        n.put("message", "Composition task received.");
        n.put("job_id", id);
        n.put("poll_url", "/jobs/" + id);
        return Reply.json(202, n);
    }

    private void finish(EmulatedJob job) {
        job.timerId = -1;
        if (jobs.get(job.id) != job) {
            return;
        }
        job.finishedAtMillis = System.currentTimeMillis();
        stats.jobFinished(job.id, job.finishedAtMillis, job.willFail, job.willExpire, settings.statsMaxEntries());
        if (job.willExpire) {
            jobs.remove(job.id);
            retainedJobs.set(jobs.size());
            return;
        }
        job.status = job.willFail ? EmulatedJob.Status.FAILED : EmulatedJob.Status.COMPLETED;
        finished.addLast(job);
    }

    /** The job if it exists and has not outlived the TTL; lookups enforce the TTL exactly, the sweep only frees memory. */
    private EmulatedJob lookup(String id) {
        EmulatedJob job = jobs.get(id);
        if (job != null
                && job.status != EmulatedJob.Status.RUNNING
                && System.currentTimeMillis() - job.finishedAtMillis
                        >= settings.completedJobTtl().toMillis()) {
            jobs.remove(id);
            retainedJobs.set(jobs.size());
            return null;
        }
        return job;
    }

    private void sweep() {
        long now = System.currentTimeMillis();
        long ttl = settings.completedJobTtl().toMillis();
        Iterator<EmulatedJob> it = finished.iterator();
        boolean removed = false;
        while (it.hasNext()) {
            EmulatedJob j = it.next();
            if (now - j.finishedAtMillis < ttl) {
                break;
            }
            it.remove();
            removed |= jobs.remove(j.id, j);
        }
        if (removed) {
            retainedJobs.set(jobs.size());
        }
    }

    private Reply poll(String id) {
        EmulatedJob job = lookup(id);
        if (job == null) {
            return Reply.error(404, "Not found", "Job not found or expired.");
        }
        ObjectNode n = MAPPER.createObjectNode();
        n.put("status", job.status.name().toLowerCase(java.util.Locale.ROOT));
        n.put("prompt", job.prompt);
        if (job.status == EmulatedJob.Status.COMPLETED) {
            Composition c = job.composition;
            ObjectNode r = n.putObject("result");
            r.put("title", c.title());
            r.put("bpm", c.bpm());
            if (job.durationAsString) {
                r.put("duration", Composition.minutesSeconds(c.durationSeconds()));
            } else {
                r.put("duration", c.durationSeconds());
            }
            String root = publicRoot();
            r.put("song_url", root + "/assets/" + job.id + ".wav");
            r.put("image_url", root + "/assets/" + job.id + ".png");
            r.put("tags", c.tagsText());
        } else {
            n.putNull("result");
        }
        if (job.status == EmulatedJob.Status.FAILED) {
            n.put("error", "Generation failed: the model could not complete this composition.");
        } else {
            n.putNull("error");
        }
        n.put("started_at", TIMESTAMP.format(Instant.ofEpochMilli(job.startedAtMillis)));
        if (job.status != EmulatedJob.Status.RUNNING) {
            n.put("finished_at", TIMESTAMP.format(Instant.ofEpochMilli(job.finishedAtMillis)));
        }
        return Reply.json(200, n);
    }

    // ---------------------------------------------------------------- assets

    private void asset(HttpServerRequest req, String name) {
        String endpoint;
        String contentType;
        if (name.endsWith(".wav")) {
            endpoint = AUDIO;
            contentType = "audio/wav";
        } else if (name.endsWith(".png")) {
            endpoint = COVER;
            contentType = "image/png";
        } else {
            send(req, OTHER, Reply.error(404, "Not found", "No such asset."), 0);
            return;
        }
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            send(req, OTHER, Reply.methodNotAllowed("GET, HEAD"), 0);
            return;
        }
        if (req.getHeader(HttpHeaders.AUTHORIZATION) != null) {
            // as a CDN in front of S3 does ("only one auth mechanism allowed"): and the API key has no business here
            send(
                    req,
                    endpoint,
                    Reply.error(
                            400, "Bad request", "Assets are public: a request must not carry an Authorization header."),
                    0);
            return;
        }
        String id = name.substring(0, name.length() - 4);
        EmulatedJob job = lookup(id);
        if (job == null || job.status != EmulatedJob.Status.COMPLETED) {
            send(req, endpoint, Reply.error(404, "Not found", "No such asset."), 0);
            return;
        }
        EmulatorSettings s = settings;
        if (!s.assetTtl().isZero()
                && System.currentTimeMillis() - job.finishedAtMillis
                        >= s.assetTtl().toMillis()) {
            send(req, endpoint, Reply.error(404, "Not found", "This asset has expired."), 0);
            return;
        }
        if (chance(random, s.assetHangProbability())) {
            return; // never answered: the client must give up by itself (the connection stays open until it does)
        }
        if (chance(random, s.assetFailureProbability())) {
            send(req, endpoint, Reply.error(500, "Internal server error", "The asset could not be served."), 0);
            return;
        }
        if (endpoint.equals(AUDIO) && s.syntheticSongBytes() > 0) {
            streamSynthetic(req, job.id, s.syntheticSongBytes());
            return;
        }
        Composition c = job.composition;
        Callable<byte[]> render = endpoint.equals(AUDIO) ? () -> AudioSynth.renderWav(c) : () -> CoverArt.renderPng(c);
        assets.get(name, render, stats::assetRendered).onComplete(ar -> {
            if (ar.succeeded()) {
                Reply r = new Reply(200, contentType, ar.result())
                        .header("Cache-Control", "public, max-age=86400")
                        .header("Content-Disposition", "inline; filename=\"" + name + "\"");
                send(req, endpoint, req.method() == HttpMethod.HEAD ? r.headOnly() : r, 0);
            } else {
                LOG.log(System.Logger.Level.WARNING, "Emulator could not render " + name, ar.cause());
                send(req, endpoint, Reply.error(500, "Internal server error", "Rendering failed."), 0);
            }
        });
    }

    /**
     * A synthetic song, written chunk by chunk as the client reads it (the response's write queue decides when the
     * next chunk is made), so its size is bounded by nothing but the dial.
     */
    private void streamSynthetic(HttpServerRequest req, String jobId, long size) {
        stats.request(AUDIO, 200);
        HttpServerResponse res = req.response();
        res.setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, SyntheticAsset.CONTENT_TYPE)
                .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(size));
        if (req.method() == HttpMethod.HEAD) {
            res.end();
            return;
        }
        new SyntheticWriter(res, jobId, size).next();
    }

    private static final class SyntheticWriter {
        private static final int CHUNK = 64 * 1024;
        private final HttpServerResponse res;
        private final String jobId;
        private final long size;
        private long offset;

        SyntheticWriter(HttpServerResponse res, String jobId, long size) {
            this.res = res;
            this.jobId = jobId;
            this.size = size;
        }

        void next() {
            while (offset < size && !res.writeQueueFull()) {
                if (res.closed()) {
                    return;
                }
                int length = (int) Math.min(CHUNK, size - offset);
                byte[] chunk = new byte[length];
                SyntheticAsset.fill(jobId, offset, chunk, length);
                offset += length;
                res.write(Buffer.buffer(chunk));
            }
            if (offset >= size) {
                res.end();
            } else if (!res.closed()) {
                res.drainHandler(v -> next());
            }
        }
    }

    // ---------------------------------------------------------------- admin

    private void admin(HttpServerRequest req, String sub) {
        HttpMethod m = req.method();
        switch (sub) {
            case "/stats" -> {
                if (m != HttpMethod.GET) {
                    send(req, ADMIN, Reply.methodNotAllowed("GET"), 0);
                    return;
                }
                send(req, ADMIN, Reply.json(200, MAPPER.valueToTree(statsMap(snapshot()))), 0);
            }
            case "/reset" -> {
                if (m != HttpMethod.POST) {
                    send(req, ADMIN, Reply.methodNotAllowed("POST"), 0);
                    return;
                }
                boolean statsOnly = "stats".equals(req.getParam("scope"));
                ObjectNode n = MAPPER.createObjectNode().put("reset", statsOnly ? "stats" : "all");
                if (statsOnly) {
                    stats.reset();
                    send(req, ADMIN, Reply.json(200, n), 0);
                } else {
                    resetAll().onComplete(ar -> send(req, ADMIN, Reply.json(200, n), 0));
                }
            }
            case "/settings" -> {
                if (m == HttpMethod.GET) {
                    send(req, ADMIN, Reply.json(200, MAPPER.valueToTree(settings.toMap())), 0);
                } else if (m == HttpMethod.PUT || m == HttpMethod.PATCH) {
                    readBody(req, ADMIN, body -> send(req, ADMIN, putSettings(body), 0));
                } else {
                    send(req, ADMIN, Reply.methodNotAllowed("GET, PUT"), 0);
                }
            }
            default -> send(req, ADMIN, Reply.error(404, "Not found", "Unknown admin endpoint " + sub), 0);
        }
    }

    private Reply putSettings(Buffer body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            return invalidInput("Settings must be a JSON object.");
        }
        if (root == null || !root.isObject()) {
            return invalidInput("Settings must be a JSON object.");
        }
        EmulatorSettings.Builder b = settings.toBuilder();
        try {
            for (Map.Entry<String, JsonNode> f : root.properties()) {
                b.set(f.getKey(), textOf(f.getValue()));
            }
            update(b.build());
        } catch (IllegalArgumentException e) {
            return invalidInput(e.getMessage());
        }
        return Reply.json(200, MAPPER.valueToTree(settings.toMap()));
    }

    private static Map<String, Object> statsMap(EmulatorStats st) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("since", st.since().toString());
        m.put("totalRequests", st.totalRequests());
        m.put("requestsByEndpoint", new java.util.TreeMap<>(st.requestsByEndpoint()));
        m.put("jobsCreated", st.jobsCreated());
        m.put("jobsCompleted", st.jobsCompleted());
        m.put("jobsFailed", st.jobsFailed());
        m.put("jobsExpired", st.jobsExpired());
        m.put("runningJobs", st.runningJobs());
        m.put("peakRunningJobs", st.peakRunningJobs());
        m.put("retainedJobs", st.retainedJobs());
        m.put("submissionsByPrompt", st.submissionsByPrompt());
        m.put("untrackedSubmissions", st.untrackedSubmissions());
        m.put("pollsByJob", st.pollsByJob());
        m.put("finishedAtByJob", st.finishedAtByJob());
        m.put("totalPolls", st.totalPolls());
        m.put("rateLimitRejections", st.rateLimitRejections());
        m.put("injectedRateLimits", st.injectedRateLimits());
        m.put("injectedServerErrors", st.injectedServerErrors());
        m.put("slowResponses", st.slowResponses());
        m.put("assetsRendered", st.assetsRendered());
        Map<String, Object> seconds = new java.util.LinkedHashMap<>();
        st.apiRequestsBySecond()
                .forEach((second, counts) -> seconds.put(
                        String.valueOf(second),
                        Map.of("requests", counts.requests(), "rateLimited", counts.rateLimited())));
        m.put("apiRequestsBySecond", seconds);
        return m;
    }

    private static String textOf(JsonNode v) {
        if (v == null || v.isNull()) {
            return "";
        }
        if (v.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode e : v) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(e.asText());
            }
            return sb.toString();
        }
        return v.asText();
    }

    // ---------------------------------------------------------------- plumbing

    private void readBody(HttpServerRequest req, String endpoint, Consumer<Buffer> then) {
        String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > MAX_BODY_BYTES) {
                    send(req, endpoint, invalidInput("Request body exceeds " + MAX_BODY_BYTES + " bytes."), 0);
                    return;
                }
            } catch (NumberFormatException ignored) {
                // Netty rejects a malformed Content-Length before we get here.
            }
        }
        Buffer acc = Buffer.buffer();
        boolean[] tooLarge = {false};
        req.handler(chunk -> {
            if (tooLarge[0]) {
                return;
            }
            if (acc.length() + chunk.length() > MAX_BODY_BYTES) {
                tooLarge[0] = true;
                send(req, endpoint, invalidInput("Request body exceeds " + MAX_BODY_BYTES + " bytes."), 0);
            } else {
                acc.appendBuffer(chunk);
            }
        });
        req.exceptionHandler(e -> LOG.log(System.Logger.Level.DEBUG, "Emulator request aborted", e));
        req.endHandler(v -> {
            if (!tooLarge[0]) {
                then.accept(acc);
            }
        });
    }

    private void send(HttpServerRequest req, String endpoint, Reply reply, long delayMs) {
        stats.request(endpoint, reply.status);
        if (delayMs > 0) {
            vertx.setTimer(delayMs, t -> write(req.response(), reply));
        } else {
            write(req.response(), reply);
        }
    }

    private static void write(HttpServerResponse res, Reply reply) {
        if (res.ended() || res.closed()) {
            return;
        }
        res.setStatusCode(reply.status);
        if (reply.contentType != null) {
            res.putHeader(HttpHeaders.CONTENT_TYPE, reply.contentType);
        }
        for (Map.Entry<String, String> h : reply.headers.entrySet()) {
            res.putHeader(h.getKey(), h.getValue());
        }
        if (reply.headOnly) {
            res.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(reply.body.length()));
            res.end();
        } else {
            res.end(reply.body);
        }
    }

    private static Reply invalidInput(String message) {
        return Reply.error(400, "Invalid input", message);
    }

    private static String bearer(HttpServerRequest req) {
        String h = req.getHeader(HttpHeaders.AUTHORIZATION);
        if (h == null) {
            return null;
        }
        h = h.trim();
        if (h.length() <= 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String key = h.substring(7).trim();
        return key.isEmpty() ? null : key;
    }

    private static boolean chance(Random rnd, double p) {
        return p > 0 && (p >= 1 || rnd.nextDouble() < p);
    }

    private static long between(Random rnd, Duration min, Duration max) {
        long lo = min.toMillis();
        long hi = max.toMillis();
        return hi <= lo ? lo : lo + (long) (rnd.nextDouble() * (hi - lo + 1));
    }

    static final class Reply {
        final int status;
        final String contentType;
        final Buffer body;
        final Map<String, String> headers = new java.util.LinkedHashMap<>();
        boolean headOnly;

        Reply(int status, String contentType, Buffer body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }

        static Reply json(int status, JsonNode node) {
            try {
                return new Reply(status, "application/json", Buffer.buffer(MAPPER.writeValueAsBytes(node)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        static Reply text(int status, String text) {
            return new Reply(status, "text/plain; charset=utf-8", Buffer.buffer(text));
        }

        static Reply error(int status, String error, String message) {
            return json(status, MAPPER.createObjectNode().put("error", error).put("message", message));
        }

        static Reply methodNotAllowed(String allow) {
            return error(405, "Method not allowed", "Allowed: " + allow).header("Allow", allow);
        }

        Reply header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Reply headOnly() {
            headOnly = true;
            return this;
        }
    }
}
