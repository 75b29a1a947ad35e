package io.whisulbridge.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmulatorApiTest extends EmulatorTestBase {

    private static final String TIMESTAMP = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}";

    @Test
    void generateAnswers202WithJobIdAndRelativePollUrl() {
        start();
        HttpResponse<String> r = http.generatePrompt("calm piano for a rainy evening");

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = EmulatorHttp.json(r);
        assertThat(body.get("message").asText()).isEqualTo("Composition task received.");
        String id = body.get("job_id").asText();
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(body.get("poll_url").asText()).isEqualTo("/jobs/" + id);
    }

    @Test
    void jobRunsThenCompletesWithUtcTimestampsAndResult() {
        start(b -> b.jobDuration(Duration.ofMillis(1000)));
        String id = http.submit("upbeat synth party");

        JsonNode running = http.pollJson(id);
        assertThat(running.get("status").asText()).isEqualTo("running");
        assertThat(running.get("prompt").asText()).isEqualTo("upbeat synth party");
        assertThat(running.get("result").isNull()).isTrue();
        assertThat(running.get("error").isNull()).isTrue();
        assertThat(running.get("started_at").asText()).matches(TIMESTAMP);
        assertThat(running.has("finished_at")).isFalse();
        LocalDateTime started = LocalDateTime.parse(
                running.get("started_at").asText(), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        assertThat(started)
                .isCloseTo(
                        LocalDateTime.now(ZoneOffset.UTC),
                        org.assertj.core.api.Assertions.within(5, ChronoUnit.SECONDS));

        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> http.pollJson(id).get("status").asText().equals("completed"));
        JsonNode done = http.pollJson(id);
        assertThat(done.get("finished_at").asText()).matches(TIMESTAMP);
        assertThat(done.get("error").isNull()).isTrue();
        JsonNode result = done.get("result");
        assertThat(result.get("title").asText()).isNotBlank();
        assertThat(result.get("bpm").isNumber()).isTrue();
        assertThat(result.get("duration").isInt()).isTrue();
        assertThat(result.get("tags").asText()).matches("[^,]+(, [^,]+)*");
        assertThat(result.get("song_url").asText()).isEqualTo(emulator.rootUrl() + "/assets/" + id + ".wav");
        assertThat(result.get("image_url").asText()).isEqualTo(emulator.rootUrl() + "/assets/" + id + ".png");
    }

    @Test
    void assetUrlsUseTheConfiguredPublicBaseUrl() {
        start(b -> b.publicBaseUrl("https://cdn.example.test/whisul/"));
        String id = http.submit("lofi beat");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> http.pollJson(id).get("status").asText().equals("completed"));

        JsonNode result = http.pollJson(id).get("result");
        assertThat(result.get("song_url").asText()).isEqualTo("https://cdn.example.test/whisul/assets/" + id + ".wav");
    }

    @Test
    void blankPromptIs400InvalidInput() {
        start();
        HttpResponse<String> r = http.generate(emulator.apiKey(), "{\"prompt\": \"   \"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(EmulatorHttp.json(r).get("error").asText()).isEqualTo("Invalid input");
        assertThat(EmulatorHttp.json(r).get("message").asText()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json",
                "{\"prompt\": ",
                "[]",
                "{}",
                "{\"prompt\": null}",
                "{\"prompt\": 42}",
                "{\"prompt\": \"ok\"} trailing"
            })
    void malformedOrIncompleteBodiesAre400(String body) {
        start();
        HttpResponse<String> r = http.generate(emulator.apiKey(), body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(EmulatorHttp.json(r).get("error").asText()).isEqualTo("Invalid input");
        assertThat(emulator.stats().jobsCreated()).isZero();
    }

    @Test
    void wrongKeyIs401WithJsonBody() {
        start();
        HttpResponse<String> r = http.generate("not-the-key", "{\"prompt\": \"x\"}");

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(EmulatorHttp.json(r).get("error").asText()).isEqualTo("Unauthorized");
    }

    @Test
    void missingKeyIs401OnPollToo() {
        start();
        String id = http.submit("jazz");

        assertThat(http.poll(null, id).statusCode()).isEqualTo(401);
        assertThat(http.poll("wrong", id).statusCode()).isEqualTo(401);
    }

    @Test
    void keyRotatedThroughSettingsEndpointTakesEffect() {
        start();
        assertThat(http.generate("rotated-key", "{\"prompt\": \"x\"}").statusCode())
                .isEqualTo(401);

        HttpResponse<String> put = http.admin("PUT", "/_emulator/settings", "{\"apiKeys\": [\"rotated-key\"]}");
        assertThat(put.statusCode()).isEqualTo(200);

        assertThat(http.generate("rotated-key", "{\"prompt\": \"x\"}").statusCode())
                .isEqualTo(202);
        assertThat(http.generate(EmulatorSettings.DEFAULT_API_KEY, "{\"prompt\": \"x\"}")
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void keyRotatedFromJavaTakesEffect() {
        start();
        emulator.updateSettings(b -> b.apiKeys("k2"));

        assertThat(http.generate("k2", "{\"prompt\": \"x\"}").statusCode()).isEqualTo(202);
        assertThat(http.generate(EmulatorSettings.DEFAULT_API_KEY, "{\"prompt\": \"x\"}")
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void settingsEndpointRejectsInvalidValues() {
        start();
        HttpResponse<String> r = http.admin("PUT", "/_emulator/settings", "{\"failureProbability\": 2}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(emulator.settings().failureProbability()).isZero();
        assertThat(http.admin("PUT", "/_emulator/settings", "{\"noSuchDial\": 1}")
                        .statusCode())
                .isEqualTo(400);
    }

    @Test
    void unknownJobIs404() {
        start();
        HttpResponse<String> r = http.poll("00000000-0000-4000-8000-000000000000");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(EmulatorHttp.json(r).get("error").asText()).isEqualTo("Not found");
    }

    @Test
    void composePathFromTheDocsTypoIs404() {
        start();
        HttpResponse<String> r = http.admin("POST", "/api/compose", "{\"prompt\": \"x\"}");

        assertThat(r.statusCode()).isEqualTo(404);
    }
}
