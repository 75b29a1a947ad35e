package io.whisulbridge.messaging;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
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
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Many jobs run at once on timers: Whisul sees them concurrently, not one after another. */
@QuarkusTest
@WithBrokerAndWhisul
class ConcurrencyIT {

    private static final int PROMPTS = 300;

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @Test
    void hundredsOfJobsAreInFlightAtOnce() {
        String batch = UUID.randomUUID().toString();
        List<String> ids =
                IntStream.range(0, PROMPTS).mapToObj(i -> batch + "-" + i).toList();
        ids.forEach(id -> whisul.script("concurrent " + id, Script.defaults().runsFor(Duration.ofSeconds(3))));
        whisul.resetPeak();

        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompts(ids.stream()
                    .map(id -> new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, "concurrent " + id)))
                    .toList());

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> topics.outcomesWhere(outcome -> outcome.key().startsWith(batch))
                                    .size()
                            == PROMPTS);
            System.out.printf(
                    "concurrency: %d prompts, peak %d jobs running at the stand-in at once%n",
                    PROMPTS, whisul.peakRunningJobs());
            assertThat(topics.outcomesWhere(outcome -> outcome.key().startsWith(batch)))
                    .allMatch(OutcomeTopics.Outcome::isSong);
        }
        // sequential processing would show 1; a thread-per-job design with a small pool would cap far lower
        assertThat(whisul.peakRunningJobs()).isGreaterThanOrEqualTo(PROMPTS * 8 / 10);
    }
}
