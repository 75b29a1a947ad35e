package io.whisulbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@code try} shows while a job runs (a real Whisul job takes minutes): the time waited and the job's state and
 * poll count from the bridge's status API, on one line that a terminal rewrites in place. Without a terminal (a pipe,
 * a CI log) a line is printed only when the state or the poll count changes.
 */
final class JobProgress {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final URI status;
    private final boolean terminal;
    private final PrintStream out;
    private String lastJob = "";
    private int lastWidth;

    /** @param statusUrl the bridge's management address, e.g. http://127.0.0.1:9000; null when unknown */
    JobProgress(String statusUrl, String requestId, boolean terminal, PrintStream out) {
        this.status = statusUrl == null ? null : URI.create(statusUrl.replaceAll("/+$", "") + "/jobs/" + requestId);
        this.terminal = terminal;
        this.out = out;
    }

    void update(Duration waited) {
        String job = describeJob(fetch());
        String line = "  waited " + clock(waited) + "   " + job;
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
        } else if (!job.equals(lastJob)) {
            out.println(line);
        }
        out.flush();
        lastJob = job;
    }

    /** Ends the updating line, so that what follows starts on a line of its own. */
    void finish() {
        if (terminal && lastWidth > 0) {
            out.println();
        }
    }

    /** The job as the status API shows it: {@code null} when the API did not answer, a missing node when 404. */
    static String describeJob(JsonNode view) {
        if (view == null) {
            return "(no answer from the bridge's status API)";
        }
        if (view.isMissingNode()) {
            return "not picked up by the bridge yet";
        }
        StringBuilder text =
                new StringBuilder(view.path("state").asText("unknown").replace('_', ' '));
        if (view.hasNonNull("polls")) {
            int polls = view.path("polls").asInt();
            text.append(", ").append(polls).append(polls == 1 ? " poll" : " polls");
        }
        if (view.hasNonNull("job_id")) {
            text.append(", job ").append(view.path("job_id").asText());
        }
        if (view.hasNonNull("last_error")) {
            text.append(", last error: ").append(view.path("last_error").asText());
        }
        return text.toString();
    }

    static String clock(Duration waited) {
        long seconds = waited.toSeconds();
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    private JsonNode fetch() {
        if (status == null) {
            return null;
        }
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(status)
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return JSON.missingNode();
            }
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception unreachable) {
            return null;
        }
    }
}
