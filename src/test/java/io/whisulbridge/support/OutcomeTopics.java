package io.whisulbridge.support;

import static org.awaitility.Awaitility.await;

import io.smallrye.reactive.messaging.kafka.IncomingKafkaCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.impl.ce.KafkaCloudEventHelper;
import io.vertx.core.json.JsonObject;
import io.whisulbridge.config.TopicSet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Publishes prompt records and reads what the service published, by key, through a {@link KafkaCompanion}. It
 * follows the outcome topics from their beginning for as long as it is open.
 */
public final class OutcomeTopics implements AutoCloseable {

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaCompanion kafka;
    private final ConsumerTask<String, String> songs;
    private final ConsumerTask<String, String> failures;
    private final ConsumerTask<byte[], byte[]> deadLetters;

    public OutcomeTopics(KafkaCompanion kafka) {
        this.kafka = kafka;
        this.songs = kafka.consumeStrings()
                .withProp(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .fromOffsets(Map.of(new TopicPartition(TopicSet.SONGS, 0), 0L));
        this.failures = kafka.consumeStrings()
                .withProp(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .fromOffsets(Map.of(new TopicPartition(TopicSet.FAILURES, 0), 0L));
        this.deadLetters = kafka.consume(byte[].class, byte[].class)
                .fromOffsets(Map.of(new TopicPartition(TopicSet.DEAD_LETTER, 0), 0L));
    }

    @Override
    public void close() {
        songs.close();
        failures.close();
        deadLetters.close();
    }

    public void publishPrompt(String key, String value) {
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(TopicSet.PROMPTS, key, value))
                .awaitCompletion();
    }

    public void publishPrompts(List<ProducerRecord<String, String>> records) {
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(60));
    }

    public void publishRaw(byte[] key, byte[] value) {
        kafka.produce(byte[].class, byte[].class)
                .fromRecords(new ProducerRecord<>(TopicSet.PROMPTS, key, value))
                .awaitCompletion();
    }

    public static String prompt(String requestId, String prompt) {
        return new JsonObject()
                .put("request_id", requestId)
                .put("prompt", prompt)
                .encode();
    }

    /** Waits for the outcome with this key on either outcome topic; fails if none arrives. */
    public Outcome awaitOutcome(String requestId) {
        await().atMost(OUTCOME_TIMEOUT).until(() -> find(requestId).isPresent());
        return find(requestId).orElseThrow();
    }

    public List<Outcome> outcomes(String requestId) {
        return outcomesWhere(outcome -> requestId.equals(outcome.key()));
    }

    public List<Outcome> outcomesWhere(java.util.function.Predicate<Outcome> condition) {
        return java.util.stream.Stream.concat(songs.getRecords().stream(), failures.getRecords().stream())
                .map(Outcome::of)
                .filter(condition)
                .toList();
    }

    public List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return List.copyOf(deadLetters.getRecords());
    }

    private Optional<Outcome> find(String requestId) {
        return outcomes(requestId).stream().findFirst();
    }

    /**
     * An outcome record as published: topic, key, JSON value, the traceparent header if any, and its CloudEvents
     * envelope as SmallRye's own reader parses it (null when the record carries none).
     */
    public record Outcome(
            String topic,
            String key,
            JsonObject value,
            String traceparent,
            IncomingKafkaCloudEventMetadata<String, String> cloudEvent) {

        static Outcome of(ConsumerRecord<String, String> record) {
            var header = record.headers().lastHeader("traceparent");
            boolean binary = KafkaCloudEventHelper.getCloudEventMode(record.headers())
                    == KafkaCloudEventHelper.CloudEventMode.BINARY;
            return new Outcome(
                    record.topic(),
                    record.key(),
                    new JsonObject(record.value()),
                    header == null ? null : new String(header.value(), StandardCharsets.UTF_8),
                    binary ? KafkaCloudEventHelper.createFromBinaryCloudEvent(record) : null);
        }

        public boolean isSong() {
            return TopicSet.SONGS.equals(topic);
        }

        public String reason() {
            return value.getString("reason");
        }
    }
}
