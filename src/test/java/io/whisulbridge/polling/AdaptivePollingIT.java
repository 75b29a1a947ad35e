package io.whisulbridge.polling;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * The adaptive schedule in the wired service: jobs poll like backoff (every 100 to 300 ms here) until
 * {@code MIN_SAMPLES} have finished, then a job of the length it learned is first polled near its expected end.
 * The stand-in reports canned timestamps (a 147 s job), so this also shows that what a job is seen to take caps
 * what Whisul claims.
 */
@QuarkusTest
@TestProfile(AdaptivePollingIT.Adaptive.class)
@WithBrokerAndWhisul
class AdaptivePollingIT {

    static final int MIN_SAMPLES = 5;
    static final Duration JOB = Duration.ofSeconds(2);

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @Test
    void afterEnoughJobsFinishAJobIsFirstPolledNearTheLengthJobsTook() {
        String batch = UUID.randomUUID().toString();
        List<String> teachers = IntStream.range(0, MIN_SAMPLES)
                .mapToObj(i -> "teach-" + batch + "-" + i)
                .toList();
        String learner = "learn-" + batch;
        for (String id : teachers) {
            whisul.script("adaptive " + id, Script.defaults().runsFor(JOB));
        }
        whisul.script("adaptive " + learner, Script.defaults().runsFor(JOB));

        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompts(teachers.stream()
                    .map(id -> new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, "adaptive " + id)))
                    .toList());
            teachers.forEach(id -> assertThat(topics.awaitOutcome(id).isSong()).isTrue());

            topics.publishPrompt(learner, prompt(learner, "adaptive " + learner));
            assertThat(topics.awaitOutcome(learner).isSong()).isTrue();
        }

        int fewestTeacherPolls = teachers.stream()
                .mapToInt(id -> whisul.polls("adaptive " + id))
                .min()
                .orElseThrow();
        int learnerPolls = whisul.polls("adaptive " + learner);
        assertThat(fewestTeacherPolls)
                .as("polls of a job before anything was learned (backoff)")
                .isGreaterThanOrEqualTo(6);
        assertThat(learnerPolls)
                .as("polls of a job after %d finished", MIN_SAMPLES)
                .isBetween(1, 3);
    }

    public static class Adaptive implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "whisul.poll-schedule",
                    "adaptive",
                    "whisul.poll-adaptive-min-samples",
                    String.valueOf(MIN_SAMPLES),
                    "bridge.consumer-group",
                    "whisul-bridge-adaptive");
        }
    }
}
