package io.whisulbridge.messaging;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.support.InjectWhisul;
import io.whisulbridge.support.OutcomeTopics;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.ScriptedWhisul.Script;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** At the in-flight limit the service stops pulling records instead of piling up jobs, and catches up later. */
@QuarkusTest
@TestProfile(BackpressureIT.SmallLimit.class)
@WithBrokerAndWhisul
class BackpressureIT {

    private static final int LIMIT = 5;
    private static final int PROMPTS = 30;

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @Test
    void neverMoreJobsInFlightThanTheLimitAndAllComplete() {
        String batch = UUID.randomUUID().toString();
        List<String> ids =
                IntStream.range(0, PROMPTS).mapToObj(i -> batch + "-" + i).toList();
        ids.forEach(id -> whisul.script("limited " + id, Script.defaults().runsFor(Duration.ofMillis(300))));
        whisul.resetPeak();

        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompts(ids.stream()
                    .map(id -> new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, "limited " + id)))
                    .toList());

            await().atMost(Duration.ofSeconds(90))
                    .until(() -> topics.outcomesWhere(outcome -> outcome.key().startsWith(batch))
                                    .size()
                            == PROMPTS);
        }
        assertThat(whisul.peakRunningJobs()).isEqualTo(LIMIT);
    }

    public static class SmallLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "bridge.max-in-flight",
                    String.valueOf(LIMIT),
                    "bridge.consumer-group",
                    "whisul-bridge-backpressure");
        }
    }
}
