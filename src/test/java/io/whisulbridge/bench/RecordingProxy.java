package io.whisulbridge.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pass-through HTTP proxy between a bridge and the emulator that notes, per Whisul job, when it was accepted and
 * when each poll reached Whisul, and which poll first saw it finished. The emulator counts polls per job but keeps
 * no poll times, and exposes no per-job finish time: this is how the harness measures poll gaps (slippage) and
 * narrows each job's finish time from outside. Optionally it also notes when each prompt's accepted submit arrived,
 * for a bounded number of prompts ({@link #submittedAt}): the fairness scenario's publish-to-submit times.
 */
final class RecordingProxy extends AbstractVerticle {

    /** What the proxy saw of one job. Touched only on the proxy's event loop while running. */
    static final class JobTrace {
        long acceptedAt;
        long acceptedAnsweredAt;
        long[] polls = new long[8];
        /** When the proxy had each poll's answer and passed it back: the bridge schedules the next poll from there. */
        long[] answered = new long[8];

        int pollCount;
        long lastRunningPoll; // answered "running"
        long firstDonePoll; // first answered "completed"/"failed"

        void poll(long at, long answeredAt) {
            if (pollCount == polls.length) {
                polls = Arrays.copyOf(polls, pollCount * 2);
                answered = Arrays.copyOf(answered, pollCount * 2);
            }
            answered[pollCount] = answeredAt;
            polls[pollCount++] = at;
        }
    }

    private static final Pattern JOB_ID = Pattern.compile("\"job_id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern PROMPT = Pattern.compile("\"prompt\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    final Map<String, JobTrace> jobs = new ConcurrentHashMap<>();
    /**
     * Prompt text (as sent, JSON-escaped) to the time its first accepted submit (202) arrived at the proxy, epoch ms.
     * At most {@code maxSubmitTimes} prompts: past the cap further prompts are not noted.
     */
    final Map<String, Long> submittedAt = new ConcurrentHashMap<>();

    private final int targetPort;
    private final int maxSubmitTimes;
    private HttpServer server;
    private HttpClient client;

    RecordingProxy(int targetPort) {
        this(targetPort, 0);
    }

    /** Also notes submit arrival times for up to {@code maxSubmitTimes} prompts. */
    RecordingProxy(int targetPort, int maxSubmitTimes) {
        this.targetPort = targetPort;
        this.maxSubmitTimes = maxSubmitTimes;
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void start(Promise<Void> started) {
        client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost("127.0.0.1")
                        .setDefaultPort(targetPort)
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
        server = vertx.createHttpServer();
        server.requestHandler(this::forward)
                .listen(0, "127.0.0.1")
                .<Void>mapEmpty()
                .onComplete(started);
    }

    private void forward(HttpServerRequest req) {
        long at = System.currentTimeMillis();
        String path = req.path();
        req.body()
                .onSuccess(body -> client.request(req.method(), req.uri())
                        .onSuccess(out -> {
                            req.headers().forEach((k, v) -> {
                                if (!k.equalsIgnoreCase("connection") && !k.equalsIgnoreCase("host")) {
                                    out.putHeader(k, v);
                                }
                            });
                            out.send(body)
                                    .onSuccess(resp -> resp.body()
                                            .onSuccess(answer -> {
                                                note(path, at, resp.statusCode(), body, answer);
                                                var r = req.response().setStatusCode(resp.statusCode());
                                                resp.headers().forEach((k, v) -> {
                                                    if (!k.equalsIgnoreCase("connection")
                                                            && !k.equalsIgnoreCase("transfer-encoding")) {
                                                        r.putHeader(k, v);
                                                    }
                                                });
                                                r.end(answer);
                                            })
                                            .onFailure(e -> fail(req)))
                                    .onFailure(e -> fail(req));
                        })
                        .onFailure(e -> fail(req)))
                .onFailure(e -> fail(req));
    }

    private static void fail(HttpServerRequest req) {
        if (!req.response().ended()) {
            req.response().setStatusCode(502).end();
        }
    }

    private void note(String path, long at, int status, Buffer request, Buffer answer) {
        long answeredAt = System.currentTimeMillis();
        if (path.endsWith("/generate") && status == 202) {
            Matcher m = JOB_ID.matcher(answer.toString());
            if (m.find()) {
                JobTrace t = jobs.computeIfAbsent(m.group(1), k -> new JobTrace());
                t.acceptedAt = at;
                t.acceptedAnsweredAt = answeredAt;
            }
            if (submittedAt.size() < maxSubmitTimes) {
                Matcher p = PROMPT.matcher(request.toString());
                if (p.find()) {
                    submittedAt.putIfAbsent(p.group(1), at);
                }
            }
        } else if (path.contains("/jobs/")) {
            String id = path.substring(path.lastIndexOf('/') + 1);
            JobTrace t = jobs.computeIfAbsent(id, k -> new JobTrace());
            t.poll(at, answeredAt);
            if (status == 200) {
                String text = answer.toString();
                if (text.contains("\"status\":\"running\"")) {
                    t.lastRunningPoll = at;
                } else if (t.firstDonePoll == 0) {
                    t.firstDonePoll = at;
                }
            }
        }
    }

    @Override
    public void stop() {
        if (client != null) {
            client.close();
        }
    }
}
