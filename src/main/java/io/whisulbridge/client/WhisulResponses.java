package io.whisulbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Turns raw HTTP answers into {@link SubmitResponse}s and {@link PollResponse}s. Pure, so every oddity in
 * {@code docs/whisul-api.md} is unit-tested without a server.
 */
public final class WhisulResponses {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_TEXT = 300;

    private WhisulResponses() {}

    public static SubmitResponse submit(int status, String retryAfter, String body, Instant now) {
        if (status == 401 || status == 403) {
            return new SubmitResponse.Unauthorized(status);
        }
        if (status == 400 || status == 422) {
            return new SubmitResponse.Rejected(errorText(status, body));
        }
        if (status >= 200 && status < 300) {
            JsonNode json = jsonObject(body);
            String jobId = json == null ? null : text(json.get("job_id"));
            if (jobId == null || jobId.isBlank()) {
                return new SubmitResponse.AcceptedWithoutJobId("Whisul answered HTTP " + status
                        + " without a job_id, so the job cannot be followed; not submitted again, since Whisul took it: "
                        + snippet(body));
            }
            return new SubmitResponse.Accepted(jobId);
        }
        return new SubmitResponse.Transient(
                errorText(status, body), retryAfterOf(status, retryAfter, now), status == 429);
    }

    public static PollResponse poll(int status, String retryAfter, String body, Instant now) {
        if (status == 401 || status == 403) {
            return new PollResponse.Unauthorized(status);
        }
        if (status == 404 || status == 410) {
            return new PollResponse.NotFound();
        }
        if (status != 200) {
            return new PollResponse.Transient(
                    errorText(status, body), retryAfterOf(status, retryAfter, now), status == 429);
        }
        JsonNode job = jsonObject(body);
        if (job == null) {
            return new PollResponse.Transient("HTTP 200 with a body that is not a JSON object: " + snippet(body), null);
        }
        String jobStatus = text(job.get("status"));
        if (jobStatus == null) {
            return new PollResponse.Transient("HTTP 200 without a status: " + snippet(body), null);
        }
        return switch (jobStatus) {
            case "completed" -> completed(job);
            case "failed" ->
                new PollResponse.Failed(
                        orDefault(text(job.get("error")), "Whisul reported the job failed without a message"));
            default -> new PollResponse.Running(jobStatus);
        };
    }

    private static PollResponse completed(JsonNode job) {
        JsonNode result = job.get("result");
        if (result == null || !result.isObject()) {
            return new PollResponse.Failed("Whisul reported the job completed but sent no result");
        }
        String songUrl = text(result.get("song_url"));
        if (songUrl == null || songUrl.isBlank()) {
            return new PollResponse.Failed("Whisul reported the job completed but sent no song_url");
        }
        return new PollResponse.Completed(new CompletedJob(
                text(result.get("title")),
                bpm(result.get("bpm")),
                WhisulFormats.durationSeconds(result.get("duration")),
                songUrl,
                text(result.get("image_url")),
                WhisulFormats.tags(result.get("tags")),
                WhisulFormats.isoInstant(job.get("started_at")),
                WhisulFormats.isoInstant(job.get("finished_at"))));
    }

    /** Whole seconds or an HTTP date; only meaningful on 429 and 503. */
    public static Duration retryAfterOf(int status, String header, Instant now) {
        if ((status != 429 && status != 503) || header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        if (value.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
            return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        } catch (DateTimeParseException unreadable) {
            return null;
        }
    }

    private static BigDecimal bpm(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        try {
            return new BigDecimal(node.asText().trim());
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    private static String errorText(int status, String body) {
        JsonNode json = jsonObject(body);
        String message = json == null ? null : orDefault(text(json.get("message")), text(json.get("error")));
        return "HTTP " + status
                + (message != null ? ": " + message : body == null || body.isBlank() ? "" : ": " + snippet(body));
    }

    private static JsonNode jsonObject(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String snippet(String body) {
        if (body == null) {
            return "(empty)";
        }
        String flat = body.replaceAll("\\s+", " ").trim();
        return flat.length() > MAX_ERROR_TEXT ? flat.substring(0, MAX_ERROR_TEXT) + "…" : flat;
    }
}
