package io.whisulbridge.messaging;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.support.FollowsOutcomeTopics;
import io.whisulbridge.support.OutcomeTopics.Outcome;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.ScriptedWhisul.Reply;
import io.whisulbridge.support.ScriptedWhisul.Script;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Each Whisul behaviour in docs/whisul-api.md ends in the outcome docs/events.md promises, on a real broker. */
@QuarkusTest
@WithBrokerAndWhisul
class JobOutcomesIT extends FollowsOutcomeTopics {

    @Test
    void completedJobPublishesSongResultKeyedByRequestId() {
        String id = uniqueId();
        String text = "lofi rain " + id;
        whisul.script(text, Script.defaults().durationAs("187"));
        var record = new ProducerRecord<>(
                TopicSet.PROMPTS,
                "some-key",
                new JsonObject()
                        .put("request_id", id)
                        .put("prompt", "  " + text + "  ")
                        .put("metadata", new JsonObject().put("user", 42).put("tags", new JsonArray().add("x")))
                        .put("unknown_field", true)
                        .encode());
        record.headers()
                .add(
                        "traceparent",
                        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.UTF_8));
        topics.publishPrompts(List.of(record));

        Outcome outcome = topics.awaitOutcome(id);

        assertThat(outcome.isSong()).isTrue();
        JsonObject song = outcome.value();
        assertThat(song.getString("request_id")).isEqualTo(id);
        assertThat(song.getString("job_id")).isNotBlank();
        assertThat(song.getString("prompt")).isEqualTo(text);
        assertThat(song.getString("title")).isEqualTo("Neon Rain");
        assertThat(song.getInteger("bpm")).isEqualTo(92);
        assertThat(song.getInteger("duration_seconds")).isEqualTo(187);
        assertThat(song.getString("song_url"))
                .isEqualTo("https://cdn.whisul.test/" + song.getString("job_id") + ".mp3");
        assertThat(song.getString("image_url")).endsWith(".jpg");
        assertThat(song.getJsonArray("tags")).containsExactly("lofi", "rain", "chill");
        assertThat(song.getString("started_at")).isEqualTo("2025-03-01T14:02:11Z");
        assertThat(song.getString("finished_at")).isEqualTo("2025-03-01T14:04:38Z");
        assertThat(song.getJsonObject("metadata"))
                .isEqualTo(new JsonObject().put("user", 42).put("tags", new JsonArray().add("x")));
        assertThat(outcome.traceparent()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
        assertThat(whisul.submissions(text)).isEqualTo(1);
    }

    @Test
    void aSongResultCarriesItsCloudEventsEnvelopeInBinaryMode() {
        String id = uniqueId();
        whisul.script("envelope " + id, Script.defaults());
        topics.publishPrompt(null, prompt(id, "envelope " + id));

        Outcome outcome = topics.awaitOutcome(id);

        var event = outcome.cloudEvent();
        assertThat(event)
                .as("SmallRye reads the record as a binary-mode CloudEvent")
                .isNotNull();
        assertThat(event.getSpecVersion()).isEqualTo("1.0");
        assertThat(event.getId()).isEqualTo(id + ":completed");
        assertThat(event.getType()).isEqualTo("io.whisulbridge.song.completed.v1");
        assertThat(event.getSource()).hasToString("urn:whisul-bridge:whisul-bridge");
        assertThat(event.getSubject()).contains(id);
        assertThat(event.getDataContentType()).contains("application/json");
        assertThat(event.getTimeStamp()).as("the decision time").isPresent();
        assertThat(event.getTimeStamp().get().toInstant()).isBeforeOrEqualTo(Instant.now());
        assertThat(outcome.value().getString("request_id"))
                .as("the value is the SongResult, unwrapped")
                .isEqualTo(id);
    }

    @Test
    void aStructuredCloudEventPromptBecomesASongUnderItsEventId() {
        String id = uniqueId();
        whisul.script("structured " + id, Script.defaults());
        var record = new ProducerRecord<>(
                TopicSet.PROMPTS,
                "other-key",
                new JsonObject()
                        .put("specversion", "1.0")
                        .put("id", id)
                        .put("source", "/upstream")
                        .put("type", "com.example.prompt")
                        .put("data", new JsonObject().put("prompt", "structured " + id))
                        .encode());
        record.headers().add("content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));
        topics.publishPrompts(List.of(record));

        Outcome outcome = topics.awaitOutcome(id);

        assertThat(outcome.isSong()).isTrue();
        assertThat(outcome.value().getString("prompt")).isEqualTo("structured " + id);
    }

    @Test
    void aBinaryCloudEventPromptKeepsTheRequestIdOfItsData() {
        String id = uniqueId();
        whisul.script("binary " + id, Script.defaults());
        var record = new ProducerRecord<>(TopicSet.PROMPTS, "other-key", prompt(id, "binary " + id));
        record.headers()
                .add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8))
                .add("ce_id", ("event-of-" + id).getBytes(StandardCharsets.UTF_8))
                .add("ce_source", "/upstream".getBytes(StandardCharsets.UTF_8))
                .add("ce_type", "com.example.prompt".getBytes(StandardCharsets.UTF_8));
        topics.publishPrompts(List.of(record));

        assertThat(topics.awaitOutcome(id).isSong()).isTrue();
    }

    @Test
    void durationAsMinutesAndSecondsIsPublishedAsSeconds() {
        String id = uniqueId();
        whisul.script("clock " + id, Script.defaults().durationAs("\"3:07\""));
        topics.publishPrompt(null, prompt(id, "clock " + id));

        assertThat(topics.awaitOutcome(id).value().getInteger("duration_seconds"))
                .isEqualTo(187);
    }

    @Test
    void failedJobPublishesGenerationFailed() {
        String id = uniqueId();
        whisul.script(
                "fails " + id,
                Script.defaults()
                        .pollsGet(
                                Reply.json(200, ScriptedWhisul.runningBody()),
                                Reply.json(200, ScriptedWhisul.failedBody("model overloaded"))));
        topics.publishPrompt(null, prompt(id, "fails " + id));

        Outcome outcome = topics.awaitOutcome(id);
        assertThat(outcome.reason()).isEqualTo("GENERATION_FAILED");
        assertThat(outcome.value().getString("error")).isEqualTo("model overloaded");
        assertThat(outcome.value().getString("job_id")).isNotBlank();
        assertThat(outcome.value().getString("prompt")).isEqualTo("fails " + id);
        assertThat(outcome.value().getInteger("attempts")).isEqualTo(3);
        assertThat(Instant.parse(outcome.value().getString("failed_at"))).isBeforeOrEqualTo(Instant.now());
        assertThat(outcome.cloudEvent().getId()).isEqualTo(id + ":failed");
        assertThat(outcome.cloudEvent().getType()).isEqualTo("io.whisulbridge.song.failed.v1");
    }

    @Test
    void aSuccessWithoutAJobIdIsSubmittedOnceAndEndsGenerationFailedWithWhatWhisulSent() {
        String id = uniqueId();
        String text = "no job id " + id;
        whisul.script(
                text,
                Script.defaults().submitsFirstGet(Reply.json(202, "{\"message\":\"Composition task received.\"}")));
        topics.publishPrompt(null, prompt(id, text));

        Outcome outcome = topics.awaitOutcome(id);
        assertThat(outcome.reason()).isEqualTo("GENERATION_FAILED");
        assertThat(outcome.value().getString("error"))
                .contains("HTTP 202 without a job_id")
                .contains("Composition task received.");
        assertThat(whisul.submissions(text)).isEqualTo(1);
    }

    @Test
    void jobUnknownToWhisulAfterAcceptancePublishesJobExpired() {
        String id = uniqueId();
        whisul.script("expires " + id, Script.defaults().pollsGet(Reply.json(404, "{\"error\":\"Not found\"}")));
        topics.publishPrompt(null, prompt(id, "expires " + id));

        assertThat(topics.awaitOutcome(id).reason()).isEqualTo("JOB_EXPIRED");
    }

    @Test
    void jobStillRunningAtTheDeadlinePublishesTimedOut() {
        String id = uniqueId();
        whisul.script("endless " + id, Script.defaults().runsFor(Duration.ofHours(1)));
        topics.publishPrompt(null, prompt(id, "endless " + id));

        Outcome outcome = topics.awaitOutcome(id);
        assertThat(outcome.reason()).isEqualTo("TIMED_OUT");
        // 4 s deadline, polls every 100-300 ms: a job is polled many times, never more often than every 100 ms
        assertThat(whisul.polls("endless " + id)).isBetween(10, 41);
    }

    @Test
    void promptWhisulRejectsPublishesInvalidPrompt() {
        String id = uniqueId();
        whisul.script(
                "rejected " + id,
                Script.defaults()
                        .submitsFirstGet(Reply.json(
                                400, "{\"error\":\"Invalid input\",\"message\":\"prompt contains forbidden words\"}")));
        topics.publishPrompt(null, prompt(id, "rejected " + id));

        Outcome outcome = topics.awaitOutcome(id);
        assertThat(outcome.reason()).isEqualTo("INVALID_PROMPT");
        assertThat(outcome.value().getString("error")).contains("prompt contains forbidden words");
        assertThat(outcome.value().getValue("job_id")).isNull();
        assertThat(whisul.submissions("rejected " + id)).isEqualTo(1);
    }

    @Test
    void rateLimitedSubmitWaitsForRetryAfterThenSucceeds() {
        String id = uniqueId();
        String text = "busy " + id;
        whisul.script(
                text,
                Script.defaults()
                        .submitsFirstGet(Reply.json(429, "{\"error\":\"Too many requests\"}")
                                .withHeader("Retry-After", "1")));
        topics.publishPrompt(null, prompt(id, text));

        assertThat(topics.awaitOutcome(id).isSong()).isTrue();
        List<Instant> submits = whisul.submissionTimes(text);
        assertThat(submits).hasSize(2);
        assertThat(Duration.between(submits.get(0), submits.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void serverErrorsOnSubmitAreRetried() {
        String id = uniqueId();
        whisul.script(
                "flaky submit " + id,
                Script.defaults()
                        .submitsFirstGet(
                                Reply.json(500, "{\"error\":\"oops\"}"), Reply.text(503, "<html>maintenance</html>")));
        topics.publishPrompt(null, prompt(id, "flaky submit " + id));

        assertThat(topics.awaitOutcome(id).isSong()).isTrue();
        assertThat(whisul.submissions("flaky submit " + id)).isEqualTo(3);
    }

    @Test
    void serverErrorsAndUnreadableBodiesOnPollAreRetried() {
        String id = uniqueId();
        whisul.script(
                "flaky poll " + id,
                Script.defaults()
                        .pollsGet(
                                Reply.json(500, "{\"error\":\"oops\"}"),
                                Reply.text(200, "<html>not json</html>"),
                                Reply.json(200, "{\"status\":\"queued\",\"result\":null}"),
                                Reply.json(200, ScriptedWhisul.completedBody("187"))));
        topics.publishPrompt(null, prompt(id, "flaky poll " + id));

        assertThat(topics.awaitOutcome(id).isSong()).isTrue();
        assertThat(whisul.polls("flaky poll " + id)).isEqualTo(4);
    }

    @Test
    void hungPollResponseTimesOutAndIsRetried() {
        String id = uniqueId();
        whisul.script(
                "hangs " + id,
                Script.defaults().pollsGet(Reply.hangForever(), Reply.json(200, ScriptedWhisul.completedBody("187"))));
        topics.publishPrompt(null, prompt(id, "hangs " + id));

        assertThat(topics.awaitOutcome(id).isSong()).isTrue();
        assertThat(whisul.polls("hangs " + id)).isEqualTo(2);
    }

    @Test
    void persistentServerErrorsPublishRetriesExhausted() {
        String id = uniqueId();
        whisul.script("down " + id, Script.defaults().pollsGet(Reply.json(502, "{\"error\":\"bad gateway\"}")));
        topics.publishPrompt(null, prompt(id, "down " + id));

        Outcome outcome = topics.awaitOutcome(id);
        assertThat(outcome.reason()).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(outcome.value().getString("error")).contains("HTTP 502");
        // one submit, then max-retries (3) + 1 failed polls
        assertThat(outcome.value().getInteger("attempts")).isEqualTo(5);
    }

    @Test
    void duplicateRequestIdsInOneBatchMakeOneSubmissionAndOneOutcome() {
        String id = uniqueId();
        String text = "twice " + id;
        whisul.script(text, Script.defaults().runsFor(Duration.ofSeconds(1)));
        topics.publishPrompts(List.of(
                new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, text)),
                new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, text)),
                new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, text))));

        topics.awaitOutcome(id);
        sleep(Duration.ofSeconds(1));
        assertThat(whisul.submissions(text)).isEqualTo(1);
        assertThat(topics.outcomes(id)).hasSize(1);
    }

    static String uniqueId() {
        return "req-" + UUID.randomUUID();
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
