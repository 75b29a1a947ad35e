package io.whisulbridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicSetTest {

    @Test
    void theEnvironmentNamesTopicsAsTheBridgeReadsThem() {
        TopicSet topics =
                TopicSet.fromEnvironment(Map.of("BRIDGE_TOPICS_SONGS", "my-songs", "BRIDGE_TOPICS_LEDGER", " "));

        assertThat(topics.songs()).isEqualTo("my-songs");
        assertThat(topics.ledger()).as("blank means the default").isEqualTo(TopicSet.LEDGER);
        assertThat(topics.prompts()).isEqualTo(TopicSet.PROMPTS);
    }

    @Test
    void theEnvironmentOfASetNamesItBack() {
        TopicSet prefixed = TopicSet.DEFAULT.prefixed("t1-");

        assertThat(TopicSet.fromEnvironment(prefixed.environment())).isEqualTo(prefixed);
        assertThat(prefixed.deadLetter()).isEqualTo("t1-song-prompts-dlq");
    }

    @Test
    void theLedgerIsPartitionedLikeThePromptsDeadLettersNeedOneAndWebhookRetriesOnePerLane() {
        assertThat(TopicSet.DEFAULT.partitions(6, 3))
                .containsExactly(
                        entry(TopicSet.PROMPTS, 6),
                        entry(TopicSet.SONGS, 3),
                        entry(TopicSet.FAILURES, 3),
                        entry(TopicSet.DEAD_LETTER, 1),
                        entry(TopicSet.LEDGER, 6),
                        entry(TopicSet.WEBHOOK_RETRY, TopicSet.WEBHOOK_RETRY_LANES),
                        entry(TopicSet.WEBHOOK_EXHAUSTED, 1));
    }
}
