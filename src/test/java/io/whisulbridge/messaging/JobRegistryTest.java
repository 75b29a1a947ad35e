package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.polling.Job;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Partition ownership as the intake and the fenced writer see it: fail closed until the ledger is read. */
class JobRegistryTest {

    private final JobRegistry registry = new JobRegistry();

    private UniAssertSubscriber<Boolean> awaitOwned(int partition) {
        return registry.awaitOwned(partition).subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    @Test
    void anAssignedPartitionsRecordsWaitUntilItsLedgerIsRead() {
        Object token = registry.markAssigned(2);
        UniAssertSubscriber<Boolean> waiting = awaitOwned(2);

        waiting.assertNotTerminated();
        assertThat(registry.isOwned(2)).isFalse();

        registry.markOwned(2);

        waiting.assertCompleted().assertItem(true);
        assertThat(registry.isAssigned(2, token)).isTrue();
    }

    @Test
    void aPartitionThatLeavesBeforeItsLedgerIsReadReleasesItsWaitingRecordsUntaken() {
        registry.markAssigned(2);
        UniAssertSubscriber<Boolean> waiting = awaitOwned(2);

        registry.markLeaving(List.of(2));

        waiting.assertCompleted().assertItem(false);
        assertThat(registry.isOwned(2)).isFalse();
    }

    @Test
    void aRecordOfAPartitionNotAssignedHereIsNotTaken() {
        awaitOwned(4).assertCompleted().assertItem(false);
    }

    @Test
    void aReadBelongingToAnEarlierAssignmentIsNotAdopted() {
        Object first = registry.markAssigned(1);
        registry.markLeaving(List.of(1));
        registry.markGone(List.of(1));
        Object second = registry.markAssigned(1);

        assertThat(registry.isAssigned(1, first)).isFalse();
        assertThat(registry.isAssigned(1, second)).isTrue();
    }

    @Test
    void aLeavingPartitionMayFinishItsWritesUntilItsJobsAreHandedOver() {
        registry.markAssigned(3);
        Job job = new Job(new PromptEvent("r-1", "a prompt", null, null), 3);
        registry.addUnlessRunning(job);

        List<Job> leaving = registry.markLeaving(List.of(3));

        assertThat(leaving).containsExactly(job);
        assertThat(job.isLeaving()).isTrue();
        assertThat(registry.holds(3))
                .as("writes allowed during the hand-over wait")
                .isTrue();
        registry.markGone(List.of(3));
        assertThat(registry.holds(3)).isFalse();
    }

    @Test
    void aSecondJobForTheSameRequestAndPartitionJoinsTheFirst() {
        Job first = new Job(new PromptEvent("r-1", "a prompt", null, null), 0);
        Job second = new Job(new PromptEvent("r-1", "a prompt", null, null), 0);

        assertThat(registry.addUnlessRunning(first)).isEmpty();
        assertThat(registry.addUnlessRunning(second)).containsSame(first);
    }
}
