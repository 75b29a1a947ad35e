package io.whisulbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.whisulbridge.config.TopicSet;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicSetupTest {

    @Test
    void everyTopicOfTheSetIsWantedWithItsPartitionsAndRetention() {
        Map<String, NewTopic> wanted = TopicSetup.wanted(TopicSet.DEFAULT, Optional.of((short) 1));

        assertThat(wanted).containsOnlyKeys(TopicSet.DEFAULT.partitions(1, 1).keySet());
        TopicSet.DEFAULT
                .partitions(TopicSetup.PROMPT_PARTITIONS, TopicSetup.OUTCOME_PARTITIONS)
                .forEach((name, partitions) ->
                        assertThat(wanted.get(name).numPartitions()).as(name).isEqualTo(partitions));
        wanted.values()
                .forEach(topic -> assertThat(topic.configs()).as(topic.name()).containsKey("retention.ms"));
    }

    @Test
    void outcomesAndTheLedgerAreCompactedByRequestIdPromptsAreNot() {
        Map<String, NewTopic> wanted = TopicSetup.wanted(TopicSet.DEFAULT, Optional.empty());

        assertThat(wanted.get(TopicSet.SONGS).configs()).containsEntry("cleanup.policy", "compact,delete");
        assertThat(wanted.get(TopicSet.FAILURES).configs()).containsEntry("cleanup.policy", "compact,delete");
        assertThat(wanted.get(TopicSet.LEDGER).configs()).containsEntry("cleanup.policy", "compact,delete");
        assertThat(wanted.get(TopicSet.PROMPTS).configs()).containsEntry("cleanup.policy", "delete");
        assertThat(wanted.get(TopicSet.PROMPTS).replicationFactor())
                .as("the cluster's default")
                .isEqualTo((short) -1);
    }
}
