package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.polling.Job;
import io.whisulbridge.tenancy.TenantWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubmitQueueTest {

    private static final int LANES = SubmitQueue.MIN_LANES;

    private int ids;

    private Job job(String tenant) {
        return new Job(new PromptEvent("r-" + ids++, "lofi", null, null, null, tenant), 0);
    }

    /** A record read and turned into a job, as the pipeline does: a queue slot first, then the job holds it. */
    private Job admitted(SubmitQueue queue, String tenant) {
        queue.admit().subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted();
        Job job = job(tenant);
        queue.bind(job);
        return job;
    }

    private static UniAssertSubscriber<Void> turn(SubmitQueue queue, Job job) {
        return queue.turn(job).subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    @Test
    void aJobTakesItsTurnAtOnceWhenNothingIsQueuedAndTradesItsQueueSlotForAnInFlightSlot() {
        SubmitQueue queue = new SubmitQueue(10, 10, TenantWeights.EQUAL, () -> LANES);
        Job job = admitted(queue, null);

        assertThat(queue.tryTurnNow(job)).isTrue();
        assertThat(queue.tryTurnNow(job)).as("asked again by a retried step").isTrue();
        assertThat(queue.queued()).isZero();
        assertThat(queue.inFlight()).isEqualTo(1);
    }

    @Test
    void whileEveryLaneIsTakenNewJobsWaitAndTheQuietTenantGoesBeforeTheFloodsBacklog() {
        SubmitQueue queue = new SubmitQueue(1000, 1000, TenantWeights.EQUAL, () -> LANES);
        List<Job> submitting = new ArrayList<>();
        for (int i = 0; i < LANES; i++) {
            submitting.add(admitted(queue, "flood"));
            assertThat(queue.tryTurnNow(submitting.get(i))).isTrue();
        }
        List<UniAssertSubscriber<Void>> floodTurns = new ArrayList<>();
        List<Job> flood = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Job next = admitted(queue, "flood");
            assertThat(queue.tryTurnNow(next)).isFalse();
            flood.add(next);
            floodTurns.add(turn(queue, next));
        }
        Job quiet = admitted(queue, "quiet");
        UniAssertSubscriber<Void> quietTurn = turn(queue, quiet);

        queue.permitted(submitting.get(0)); // a lane frees: the flood's first waiter takes it
        queue.permitted(submitting.get(1)); // another: the quiet tenant's turn, not the flood's second

        floodTurns.get(0).assertCompleted();
        quietTurn.assertCompleted();
        floodTurns.get(1).assertNotTerminated();
        assertThat(queue.queued()).isEqualTo(99);
        assertThat(flood.get(1).state()).isEqualTo(Job.State.ADMITTED);
        assertThat(queue.queuedPerTenant()).containsExactly(Map.entry("flood", 99));
    }

    @Test
    void lanesFollowTheBudgetAQuarterSecondOfSubmitsAndNeverFewerThanTheMinimum() {
        assertThat(SubmitQueue.lanesFor(0)).isEqualTo(SubmitQueue.MIN_LANES);
        assertThat(SubmitQueue.lanesFor(20)).isEqualTo(5);
        assertThat(SubmitQueue.lanesFor(100_000)).isEqualTo(25_000);
    }

    @Test
    void theInFlightLimitHoldsAndAReleaseDealsTheFreedSlotInFairOrder() {
        SubmitQueue queue = new SubmitQueue(100, 2, TenantWeights.EQUAL, () -> LANES);
        Job first = admitted(queue, "a");
        Job second = admitted(queue, "a");
        assertThat(queue.tryTurnNow(first)).isTrue();
        assertThat(queue.tryTurnNow(second)).isTrue();
        Job waiting = admitted(queue, "b");
        UniAssertSubscriber<Void> waitingTurn = turn(queue, waiting);

        waitingTurn.assertNotTerminated();
        assertThat(queue.inFlight()).isEqualTo(2);

        queue.release(first);

        waitingTurn.assertCompleted();
        assertThat(queue.inFlight()).isEqualTo(2);
        assertThat(queue.mostInFlightAtOnce()).isEqualTo(2);
    }

    @Test
    void theReadAheadIsBoundedSoTheIntakePausesWhenItIsFull() {
        SubmitQueue queue = new SubmitQueue(3, 1, TenantWeights.EQUAL, () -> LANES);
        for (int i = 0; i < 3; i++) {
            admitted(queue, "a");
        }

        UniAssertSubscriber<Void> fourth = queue.admit().subscribe().withSubscriber(UniAssertSubscriber.create());

        fourth.assertNotTerminated();
        queue.unadmit();
        fourth.assertCompleted();
    }

    @Test
    void releasingAJobGivesBackExactlyWhatItHeldWhateverStateItEndedIn() {
        SubmitQueue queue = new SubmitQueue(10, 1, TenantWeights.EQUAL, () -> LANES);
        Job inFlight = admitted(queue, "a");
        assertThat(queue.tryTurnNow(inFlight)).isTrue();
        Job waiting = admitted(queue, "a");
        turn(queue, waiting).assertNotTerminated();

        assertThat(queue.release(waiting)).isTrue();
        assertThat(queue.queued()).isZero();
        assertThat(queue.queuedPerTenant()).isEmpty();
        assertThat(queue.release(waiting))
                .as("a second release gives back nothing")
                .isFalse();
        assertThat(queue.release(inFlight)).isTrue();
        assertThat(queue.inFlight()).isZero();
    }

    @Test
    void jobsHandedOverLeaveTheirTenantsQueuesAndNeverGetATurn() {
        SubmitQueue queue = new SubmitQueue(10, 1, TenantWeights.EQUAL, () -> LANES);
        Job running = admitted(queue, "a");
        assertThat(queue.tryTurnNow(running)).isTrue();
        Job leaving = admitted(queue, "a");
        Job staying = admitted(queue, "b");
        UniAssertSubscriber<Void> leavingTurn = turn(queue, leaving);
        UniAssertSubscriber<Void> stayingTurn = turn(queue, staying);

        queue.leave(Set.of(leaving));
        queue.release(leaving);
        queue.release(running);

        leavingTurn.assertNotTerminated();
        stayingTurn.assertCompleted();
        assertThat(queue.queued()).isZero();
    }

    @Test
    void aJobResumedPastTheQueueGetsAnInFlightSlotAheadOfQueuedJobs() {
        SubmitQueue queue = new SubmitQueue(10, 1, TenantWeights.EQUAL, () -> LANES);
        Job running = admitted(queue, "a");
        assertThat(queue.tryTurnNow(running)).isTrue();
        Job queued = admitted(queue, "a");
        UniAssertSubscriber<Void> queuedTurn = turn(queue, queued);
        Job resumed = Job.resumedIntent(new PromptEvent("resumed", "lofi", null, null), 0);
        UniAssertSubscriber<Void> resumedSlot =
                queue.admitResumed(resumed).subscribe().withSubscriber(UniAssertSubscriber.create());

        queue.release(running);

        resumedSlot.assertCompleted();
        queuedTurn.assertNotTerminated();
    }
}
