package io.whisulbridge.messaging;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.support.FollowsOutcomeTopics;
import io.whisulbridge.support.OutcomeTopics.Outcome;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The prompt topic's rules from docs/events.md, and what the service does with records that break them. */
@QuarkusTest
@WithBrokerAndWhisul
class PromptValidationIT extends FollowsOutcomeTopics {

    @Test
    void missingPromptPublishesInvalidPromptWithoutCallingWhisul() {
        String id = uniqueId();
        topics.publishPrompt(
                null,
                new JsonObject()
                        .put("request_id", id)
                        .put("metadata", new JsonObject().put("a", 1))
                        .encode());

        Outcome outcome = topics.awaitOutcome(id);
        assertThat(outcome.reason()).isEqualTo("INVALID_PROMPT");
        assertThat(outcome.value().getString("error")).contains("prompt is required");
        assertThat(outcome.value().getInteger("attempts")).isZero();
        assertThat(outcome.value().getJsonObject("metadata")).isEqualTo(new JsonObject().put("a", 1));
    }

    @Test
    void blankPromptIsInvalid() {
        String id = uniqueId();
        topics.publishPrompt(null, prompt(id, " \t\n "));

        assertThat(topics.awaitOutcome(id).value().getString("error")).contains("must not be blank");
    }

    @Test
    void promptLongerThanTheLimitIsInvalid() {
        String id = uniqueId();
        topics.publishPrompt(null, prompt(id, "a".repeat(2001)));

        Outcome outcome = topics.awaitOutcome(id);
        assertThat(outcome.reason()).isEqualTo("INVALID_PROMPT");
        assertThat(outcome.value().getString("error"))
                .contains("2001 characters")
                .contains("2000");
        assertThat(whisul.submissions("a".repeat(2001))).isZero();
    }

    @Test
    void metadataOverFourKibibytesIsInvalid() {
        String id = uniqueId();
        topics.publishPrompt(
                null,
                new JsonObject()
                        .put("request_id", id)
                        .put("prompt", "fine")
                        .put("metadata", new JsonObject().put("blob", "x".repeat(4100)))
                        .encode());

        assertThat(topics.awaitOutcome(id).value().getString("error"))
                .contains("metadata is")
                .contains("4096");
    }

    @Test
    void requestIdComesFromTheRecordKeyWhenTheValueHasNone() {
        String key = uniqueId();
        topics.publishPrompt(key, new JsonObject().put("prompt", "keyed " + key).encode());

        Outcome outcome = topics.awaitOutcome(key);
        assertThat(outcome.isSong()).isTrue();
        assertThat(outcome.value().getString("request_id")).isEqualTo(key);
    }

    @Test
    void requestIdIsTopicPartitionOffsetWithoutValueIdOrKey() {
        String text = "anonymous " + uniqueId();
        topics.publishPrompt(null, new JsonObject().put("prompt", text).encode());

        await().atMost(Duration.ofSeconds(30)).until(() -> whisul.submissions(text) == 1);
        String requestId = awaitSongFor(text);
        assertThat(requestId).matches("song-prompts-[0-2]-\\d+");
    }

    @Test
    void malformedRequestIdIsInvalidAndKeyedByTheRecordKey() {
        String key = uniqueId();
        topics.publishPrompt(
                key,
                new JsonObject()
                        .put("request_id", "has spaces!")
                        .put("prompt", "ok")
                        .encode());

        Outcome outcome = topics.awaitOutcome(key);
        assertThat(outcome.reason()).isEqualTo("INVALID_PROMPT");
        assertThat(outcome.value().getString("error")).contains("request_id");
    }

    @Test
    void recordThatIsNotJsonIsDeadLetteredUnchangedWithAFailureForItsKey() {
        String key = uniqueId();
        byte[] value = ("not json at all " + key).getBytes(StandardCharsets.UTF_8);
        topics.publishRaw(key.getBytes(StandardCharsets.UTF_8), value);

        ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter(value);
        assertThat(dead.key()).isEqualTo(key.getBytes(StandardCharsets.UTF_8));
        assertThat(header(dead, "dead-letter-reason")).contains("not JSON");
        assertThat(header(dead, "dead-letter-topic")).isEqualTo(TopicSet.PROMPTS);
        assertThat(header(dead, "dead-letter-partition")).matches("[0-2]");
        assertThat(header(dead, "dead-letter-offset")).matches("\\d+");
        Outcome failure = topics.awaitOutcome(key);
        assertThat(failure.reason()).isEqualTo("INVALID_PROMPT");
        assertThat(failure.value().getString("error")).contains("dead-letter");
    }

    @Test
    void jsonThatIsNotAnObjectIsDeadLetteredWithoutFailureWhenTheKeyIsNoId() {
        byte[] value = ("[\"" + uniqueId() + "\"]").getBytes(StandardCharsets.UTF_8);
        topics.publishRaw("not a valid id!".getBytes(StandardCharsets.UTF_8), value);

        ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter(value);
        assertThat(header(dead, "dead-letter-reason")).contains("not an object");
        assertThat(topics.outcomes("not a valid id!")).isEmpty();
    }

    @Test
    void recordThatIsNotUtf8IsDeadLettered() {
        byte[] value = {'{', '"', 'p', '"', ':', (byte) 0xC3, (byte) 0x28, '}', (byte) (Math.random() * 100)};
        topics.publishRaw(null, value);

        assertThat(header(awaitDeadLetter(value), "dead-letter-reason")).contains("UTF-8");
    }

    @Test
    void consumerKeepsGoingAfterPoisonRecords() {
        String id = uniqueId();
        topics.publishRaw(null, new byte[0]);
        topics.publishRaw(null, "{{{".getBytes(StandardCharsets.UTF_8));
        topics.publishPrompt(null, prompt(id, "after poison " + id));

        assertThat(topics.awaitOutcome(id).isSong()).isTrue();
    }

    private ConsumerRecord<byte[], byte[]> awaitDeadLetter(byte[] value) {
        await().atMost(Duration.ofSeconds(30)).until(() -> findDeadLetter(value) != null);
        return findDeadLetter(value);
    }

    private ConsumerRecord<byte[], byte[]> findDeadLetter(byte[] value) {
        return topics.deadLetters().stream()
                .filter(record -> Arrays.equals(record.value(), value))
                .findFirst()
                .orElse(null);
    }

    private String awaitSongFor(String text) {
        // the request id is not known up front: find the song by its prompt
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !topics.outcomesWhere(
                                outcome -> text.equals(outcome.value().getString("prompt")))
                        .isEmpty());
        return topics.outcomesWhere(outcome -> text.equals(outcome.value().getString("prompt")))
                .get(0)
                .key();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String uniqueId() {
        return "req-" + UUID.randomUUID();
    }
}
