package io.whisulbridge.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Test-side HTTP client for the emulator; deliberately independent of the bridge's own client code. */
final class EmulatorHttp {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final WhisulEmulator emulator;

    EmulatorHttp(WhisulEmulator emulator) {
        this.emulator = emulator;
    }

    HttpResponse<String> generate(String key, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(emulator.baseUrl() + "/generate"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> generatePrompt(String prompt) {
        return generate(
                emulator.apiKey(), JSON.createObjectNode().put("prompt", prompt).toString());
    }

    /** Submits and returns the job id, failing the test unless the answer is 202. */
    String submit(String prompt) {
        HttpResponse<String> r = generatePrompt(prompt);
        if (r.statusCode() != 202) {
            throw new AssertionError("expected 202, got " + r.statusCode() + ": " + r.body());
        }
        return json(r).get("job_id").asText();
    }

    HttpResponse<String> poll(String key, String jobId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(emulator.baseUrl() + "/jobs/" + jobId))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> poll(String jobId) {
        return poll(emulator.apiKey(), jobId);
    }

    JsonNode pollJson(String jobId) {
        HttpResponse<String> r = poll(jobId);
        if (r.statusCode() != 200) {
            throw new AssertionError("expected 200, got " + r.statusCode() + ": " + r.body());
        }
        return json(r);
    }

    HttpResponse<byte[]> getBytes(String absoluteUrl) {
        return send(
                HttpRequest.newBuilder(URI.create(absoluteUrl))
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> admin(String method, String path, String body) {
        HttpRequest.BodyPublisher publisher =
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return send(
                HttpRequest.newBuilder(URI.create(emulator.rootUrl() + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .method(method, publisher)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + r.body(), e);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return client.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
