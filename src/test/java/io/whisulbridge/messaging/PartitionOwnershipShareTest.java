package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.whisulbridge.client.BudgetShare;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The share a rebalance callback hands the request budget, from what the consumer is assigned. */
class PartitionOwnershipShareTest {

    private static final String PROMPTS = "song-prompts";

    @Test
    void afterAnAssignmentEveryAssignedPromptPartitionCounts() {
        var assignment = List.of(p(0), p(3), p(7), p(11));

        assertThat(PartitionOwnership.shareOf(assignment, List.of(), PROMPTS, 12))
                .isEqualTo(new BudgetShare(4, 12));
    }

    @Test
    void onARevocationThePartitionsLeavingNoLongerCount() {
        // during the callback the consumer's assignment still holds the partitions being revoked
        var assignment = List.of(p(0), p(3), p(7), p(11));

        assertThat(PartitionOwnership.shareOf(assignment, List.of(p(3), p(11)), PROMPTS, 12))
                .isEqualTo(new BudgetShare(2, 12));
        assertThat(PartitionOwnership.shareOf(assignment, assignment, PROMPTS, 12))
                .as("an eager revocation or a loss of everything")
                .isEqualTo(new BudgetShare(0, 12));
    }

    @Test
    void partitionsOfOtherTopicsDoNotCount() {
        var assignment = List.of(p(0), new TopicPartition("other", 1));

        assertThat(PartitionOwnership.shareOf(assignment, List.of(), PROMPTS, 12))
                .isEqualTo(new BudgetShare(1, 12));
    }

    @Test
    void anUnknownPartitionCountIsNoReasonToStopCalling() {
        assertThat(PartitionOwnership.shareOf(List.of(p(0), p(1)), List.of(), PROMPTS, 0)
                        .fraction())
                .as("the whole budget, as before shares existed, rather than none")
                .isEqualTo(1);
    }

    private static TopicPartition p(int partition) {
        return new TopicPartition(PROMPTS, partition);
    }
}
