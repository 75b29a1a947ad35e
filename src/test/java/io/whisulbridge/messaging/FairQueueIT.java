package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.core.json.JsonObject;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.support.InjectWhisul;
import io.whisulbridge.support.OutcomeTopics;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.ScriptedWhisul.Script;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A quiet tenant's prompts, published on the same partition behind a flood, are read past it into the fair queue and
 * submitted in their fair turn, not after the flood.
 */
@QuarkusTest
@TestProfile(FairQueueIT.TwoJobsAtOnce.class)
@WithBrokerAndWhisul
class FairQueueIT {

    private static final int IN_FLIGHT = 2;
    private static final int FLOOD = 30;
    private static final int QUIET = 3;

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @Test
    void aQuietTenantsPromptsAreSubmittedInTheirFairTurnNotBehindAFloodOnTheSamePartition() {
        String batch = UUID.randomUUID().toString().substring(0, 8);
        List<String> flood = IntStream.range(0, FLOOD)
                .mapToObj(i -> "fq-" + batch + "-flood-" + i)
                .toList();
        List<String> quiet = IntStream.range(0, QUIET)
                .mapToObj(i -> "fq-" + batch + "-quiet-" + i)
                .toList();
        flood.forEach(id -> whisul.script(id, Script.defaults().runsFor(Duration.ofMillis(500))));
        quiet.forEach(id -> whisul.script(id, Script.defaults().runsFor(Duration.ofMillis(500))));

        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompts(
                    flood.stream().map(id -> onPartitionZero(id, "flood")).toList());
            await().atMost(Duration.ofSeconds(30)).until(() -> submitted(flood) >= 2);
            topics.publishPrompts(
                    quiet.stream().map(id -> onPartitionZero(id, "quiet")).toList());
            Instant quietPublished = Instant.now();

            await().atMost(Duration.ofSeconds(120))
                    .until(() -> topics.outcomesWhere(outcome -> outcome.key().startsWith("fq-" + batch))
                                    .size()
                            == FLOOD + QUIET);

            Instant lastQuietSubmit = quiet.stream()
                    .map(id -> whisul.submissionTimes(id).get(0))
                    .max(Instant::compareTo)
                    .orElseThrow();
            long floodSubmitsInBetween = flood.stream()
                    .map(id -> whisul.submissionTimes(id).get(0))
                    .filter(at -> at.isAfter(quietPublished) && at.isBefore(lastQuietSubmit))
                    .count();
            long floodSubmitsAfter = flood.stream()
                    .map(id -> whisul.submissionTimes(id).get(0))
                    .filter(at -> at.isAfter(lastQuietSubmit))
                    .count();
            System.out.printf(
                    "fair queue: after the quiet tenant published, %d flood submit(s) went before its last one and "
                            + "%d after it%n",
                    floodSubmitsInBetween, floodSubmitsAfter);
            // alternating turns: at most one flood submit per quiet one, plus the slots dealt before it arrived
            assertThat(floodSubmitsInBetween).isLessThanOrEqualTo(QUIET + IN_FLIGHT);
            assertThat(floodSubmitsAfter).isGreaterThanOrEqualTo(FLOOD - 2 * QUIET - 2 * IN_FLIGHT);
            assertThat(topics.outcomesWhere(outcome -> quiet.contains(outcome.key())))
                    .allSatisfy(outcome ->
                            assertThat(outcome.value().getString("tenant")).isEqualTo("quiet"));
            assertThat(whisul.peakRunningJobs()).isLessThanOrEqualTo(IN_FLIGHT);
            assertThat(flood)
                    .allSatisfy(id -> assertThat(whisul.submissions(id)).isEqualTo(1));
        }
    }

    private int submitted(List<String> ids) {
        return (int) ids.stream().filter(id -> whisul.submissions(id) > 0).count();
    }

    private static ProducerRecord<String, String> onPartitionZero(String requestId, String tenant) {
        String value = new JsonObject()
                .put("request_id", requestId)
                .put("prompt", requestId)
                .put("tenant", tenant)
                .encode();
        return new ProducerRecord<>(TopicSet.PROMPTS, 0, requestId, value);
    }

    public static class TwoJobsAtOnce implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "bridge.max-in-flight",
                    String.valueOf(IN_FLIGHT),
                    "bridge.consumer-group",
                    "whisul-bridge-fair-queue");
        }
    }
}
