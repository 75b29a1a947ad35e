package io.whisulbridge.support;

import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * For tests of the wired service that publish prompts and read outcomes: the broker's companion, the Whisul
 * stand-in, and the outcome topics followed for the duration of each test.
 */
public abstract class FollowsOutcomeTopics {

    @InjectKafkaCompanion
    protected KafkaCompanion kafka;

    @InjectWhisul
    protected ScriptedWhisul whisul;

    protected OutcomeTopics topics;

    @BeforeEach
    void followTopics() {
        topics = new OutcomeTopics(kafka);
    }

    @AfterEach
    void closeTopics() {
        topics.close();
    }
}
