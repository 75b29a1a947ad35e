package io.whisulbridge.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Whisul stand-in over real HTTP whose answers a test scripts per prompt: what submits get before the job is
 * accepted, what each poll gets, how long a job runs. It records what it saw (submissions per prompt and their
 * times, polls per job, peak concurrently running jobs) for tests to assert on.
 */
public final class ScriptedWhisul implements AutoCloseable {

    public static final String KEY = "wk_test_S3cr3t-never-logged";
    private static final String STARTED_AT = "2025-03-01 14:02:11";
    private static final String FINISHED_AT = "2025-03-01 14:04:38";

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, ScriptedJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, List<Instant>> submissions = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger peakRunning = new AtomicInteger();
    private volatile String acceptedKey = KEY;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger throttlesLeft = new AtomicInteger();
    private volatile String throttleRetryAfter;

    private ScriptedWhisul() {
        server = vertx.createHttpServer().requestHandler(this::handle);
    }

    public static ScriptedWhisul start() {
        ScriptedWhisul whisul = new ScriptedWhisul();
        try {
            whisul.server
                    .listen(0, "127.0.0.1")
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the Whisul stand-in", e);
        }
        return whisul;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/api";
    }

    public void script(String prompt, Script script) {
        scripts.put(prompt, script);
    }

    public void acceptKey(String key) {
        acceptedKey = key;
    }

    public int submissions(String prompt) {
        return submissionTimes(prompt).size();
    }

    public List<Instant> submissionTimes(String prompt) {
        List<Instant> times = submissions.get(prompt);
        return times == null ? List.of() : List.copyOf(times);
    }

    public int polls(String prompt) {
        return jobs.values().stream()
                .filter(job -> job.prompt.equals(prompt))
                .mapToInt(job -> job.polls.get())
                .sum();
    }

    public int peakRunningJobs() {
        return peakRunning.get();
    }

    public void resetPeak() {
        peakRunning.set(running.get());
    }

    /** Every request that reached the stand-in, in arrival order, whatever it was answered. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /**
     * The next {@code count} requests, whichever endpoint and prompt, get 429 with {@code Retry-After: retryAfter}
     * (no header when null), as an account-wide rate limit would answer.
     */
    public void throttleNext(int count, String retryAfter) {
        throttleRetryAfter = retryAfter;
        throttlesLeft.set(count);
    }

    private void handle(HttpServerRequest request) {
        long arrived = System.nanoTime();
        boolean throttle = throttlesLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0;
        requests.add(new Request(arrived, request.method().name(), request.path(), throttle));
        if (!("Bearer " + acceptedKey).equals(request.getHeader("Authorization"))) {
            request.response()
                    .setStatusCode(401)
                    .putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"Unauthorized\",\"message\":\"invalid API key\"}");
            return;
        }
        if (throttle) {
            var response = request.response().setStatusCode(429).putHeader("Content-Type", "application/json");
            String retryAfter = throttleRetryAfter;
            if (retryAfter != null) {
                response.putHeader("Retry-After", retryAfter);
            }
            response.end("{\"error\":\"Too Many Requests\",\"message\":\"rate limit exceeded\"}");
            return;
        }
        if ("POST".equals(request.method().name()) && request.path().equals("/api/generate")) {
            request.body().onSuccess(body -> submit(request, body.toJsonObject().getString("prompt")));
        } else if ("GET".equals(request.method().name()) && request.path().startsWith("/api/jobs/")) {
            poll(request, request.path().substring("/api/jobs/".length()));
        } else {
            request.response().setStatusCode(404).end();
        }
    }

    private void submit(HttpServerRequest request, String prompt) {
        submissions
                .computeIfAbsent(prompt, p -> Collections.synchronizedList(new ArrayList<>()))
                .add(Instant.now());
        Script script = scripts.computeIfAbsent(prompt, p -> Script.defaults());
        Reply scripted = script.nextSubmitReply();
        if (scripted != null) {
            answer(request, scripted, null, prompt);
            return;
        }
        String jobId = UUID.randomUUID().toString();
        ScriptedJob job = new ScriptedJob(prompt, script, Instant.now());
        jobs.put(jobId, job);
        int now = running.incrementAndGet();
        peakRunning.accumulateAndGet(now, Math::max);
        vertx.setTimer(Math.max(1, script.runFor.toMillis()), fired -> running.decrementAndGet());
        request.response()
                .setStatusCode(202)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject()
                        .put("message", "Composition task received.")
                        .put("job_id", jobId)
                        .put("poll_url", "/jobs/" + jobId)
                        .encode());
    }

    private void poll(HttpServerRequest request, String jobId) {
        ScriptedJob job = jobs.get(jobId);
        if (job == null) {
            request.response()
                    .setStatusCode(404)
                    .putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"Not found\"}");
            return;
        }
        int index = job.polls.getAndIncrement();
        Reply reply = job.script.pollReply(index);
        if (reply == null) {
            reply = Instant.now().isBefore(job.createdAt.plus(job.script.runFor))
                    ? running(job.prompt)
                    : completed(job);
        }
        answer(request, reply, jobId, job.prompt);
    }

    private void answer(HttpServerRequest request, Reply reply, String jobId, String prompt) {
        if (reply.hang) {
            return;
        }
        Runnable send = () -> {
            var response = request.response().setStatusCode(reply.status);
            reply.headers.forEach(response::putHeader);
            String body = reply.body == null
                    ? ""
                    : reply.body.replace("${PROMPT}", prompt).replace("${JOB_ID}", jobId == null ? "" : jobId);
            response.end(body);
        };
        if (reply.delay.isZero()) {
            send.run();
        } else {
            vertx.setTimer(reply.delay.toMillis(), fired -> send.run());
        }
    }

    private static Reply running(String prompt) {
        return Reply.json(200, runningBody());
    }

    private Reply completed(ScriptedJob job) {
        return Reply.json(200, completedBody(job.script.durationJson));
    }

    public static String runningBody() {
        return "{\"status\":\"running\",\"prompt\":\"${PROMPT}\",\"result\":null,\"error\":null,\"started_at\":\""
                + STARTED_AT + "\"}";
    }

    public static String completedBody(String durationJson) {
        return "{\"status\":\"completed\",\"prompt\":\"${PROMPT}\",\"error\":null,\"started_at\":\"" + STARTED_AT
                + "\",\"finished_at\":\"" + FINISHED_AT + "\",\"unexpected_field\":{\"nested\":true},"
                + "\"result\":{\"title\":\"Neon Rain\",\"bpm\":92,\"duration\":" + durationJson + ","
                + "\"song_url\":\"https://cdn.whisul.test/${JOB_ID}.mp3\",\"image_url\":\"https://cdn.whisul.test/${JOB_ID}.jpg\","
                + "\"tags\":\" lofi, rain,, chill \",\"model\":\"v9\"}}";
    }

    public static String failedBody(String error) {
        return "{\"status\":\"failed\",\"prompt\":\"${PROMPT}\",\"result\":null,\"error\":\"" + error
                + "\",\"started_at\":\"" + STARTED_AT + "\",\"finished_at\":\"" + FINISHED_AT + "\"}";
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static final class ScriptedJob {
        final String prompt;
        final Script script;
        final Instant createdAt;
        final AtomicInteger polls = new AtomicInteger();

        ScriptedJob(String prompt, Script script, Instant createdAt) {
            this.prompt = prompt;
            this.script = script;
            this.createdAt = createdAt;
        }
    }

    /** A request as it arrived: {@code atNanos} on {@link System#nanoTime()}; {@code throttled} if it got a 429. */
    public record Request(long atNanos, String method, String path, boolean throttled) {}

    /** One HTTP answer; {@code hang} never answers at all. */
    public record Reply(int status, Map<String, String> headers, String body, Duration delay, boolean hang) {

        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "application/json"), body, Duration.ZERO, false);
        }

        public static Reply text(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "text/html"), body, Duration.ZERO, false);
        }

        public static Reply hangForever() {
            return new Reply(0, Map.of(), null, Duration.ZERO, true);
        }

        public Reply withHeader(String name, String value) {
            Map<String, String> more = new ConcurrentHashMap<>(headers);
            more.put(name, value);
            return new Reply(status, more, body, delay, hang);
        }
    }

    /**
     * What Whisul does for one prompt: replies to the first submits before accepting, replies to polls by their
     * index (the last repeats), or, without poll replies, "running" for {@code runFor} and then "completed".
     */
    public static final class Script {
        private final Deque<Reply> submitReplies = new ArrayDeque<>();
        private final List<Reply> pollReplies = new ArrayList<>();
        private Duration runFor = Duration.ofMillis(200);
        private String durationJson = "187";

        public static Script defaults() {
            return new Script();
        }

        public Script submitsFirstGet(Reply... replies) {
            submitReplies.addAll(List.of(replies));
            return this;
        }

        public Script pollsGet(Reply... replies) {
            pollReplies.addAll(List.of(replies));
            return this;
        }

        public Script runsFor(Duration duration) {
            runFor = duration;
            return this;
        }

        public Script durationAs(String json) {
            durationJson = json;
            return this;
        }

        synchronized Reply nextSubmitReply() {
            return submitReplies.poll();
        }

        Reply pollReply(int index) {
            if (pollReplies.isEmpty()) {
                return null;
            }
            return pollReplies.get(Math.min(index, pollReplies.size() - 1));
        }
    }
}
