package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.whisulbridge.domain.FailureReason;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.domain.SongFailure;
import io.whisulbridge.domain.SongResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job state machine: its legal path, the moves it refuses, and the record fate it alone decides. */
class JobTest {

    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    private static final Job.RecordedOutcome RECORDED =
            new Job.RecordedOutcome("GENERATION_FAILED", false, "{\"request_id\":\"r-1\"}", null, T0);

    private final Job job = new Job(new PromptEvent("r-1", "a prompt", null, null), 3);

    private static Outcome failure() {
        return new Outcome.Failure(new SongFailure(
                "r-1", "j-1", "a prompt", FailureReason.GENERATION_FAILED, "boom", 2, T0.toString(), null, null));
    }

    private Job.RecordFate fate() {
        return job.recordFate()
                .subscribe()
                .withSubscriber(UniAssertSubscriber.create())
                .assertCompleted()
                .getItem();
    }

    @Test
    void walksEveryDurableStepInOrder() {
        job.intentRecorded();
        job.accepted("j-1", T0, T0.plusSeconds(600), Duration.ofSeconds(5));
        job.acceptanceRecorded();
        job.decide(failure());
        job.outcomeRecorded(RECORDED);
        job.published();
        job.doneRecorded();

        assertThat(job.state()).isEqualTo(Job.State.DONE);
        assertThat(job.outcomeName()).isEqualTo("GENERATION_FAILED");
    }

    @Test
    void itsRecordHasNoFateUntilTheLedgerHoldsTheIntent() {
        UniAssertSubscriber<Job.RecordFate> waiting =
                job.recordFate().subscribe().withSubscriber(UniAssertSubscriber.create());

        waiting.assertNotTerminated();
        job.intentRecorded();

        waiting.assertCompleted().assertItem(Job.RecordFate.ACK);
    }

    @Test
    void aJobHandedOverBeforeItsIntentWasRecordedLeavesItsRecordForRedelivery() {
        assertThat(job.handOver()).isTrue();

        assertThat(fate()).isEqualTo(Job.RecordFate.REDELIVER);
        assertThat(job.state()).isEqualTo(Job.State.HANDED_OVER);
    }

    @Test
    void aJobHandedOverAfterItsIntentWasRecordedKeepsItsRecordAcknowledged() {
        job.intentRecorded();
        job.handOver();

        assertThat(fate()).isEqualTo(Job.RecordFate.ACK);
    }

    @Test
    void aWaiterThatGivesUpCannotCancelTheFateOthersWaitFor() {
        job.recordFate()
                .subscribe()
                .withSubscriber(UniAssertSubscriber.create())
                .cancel();
        job.recordFate()
                .ifNoItem()
                .after(Duration.ofMillis(1))
                .recoverWithItem(Job.RecordFate.REDELIVER)
                .await()
                .indefinitely();

        job.intentRecorded();

        assertThat(fate()).isEqualTo(Job.RecordFate.ACK);
    }

    @Test
    void aHandedOverJobRefusesEveryFurtherStep() {
        job.intentRecorded();
        job.handOver();

        assertThatThrownBy(() -> job.accepted("j-1", T0, T0, Duration.ZERO))
                .isInstanceOf(Job.HandedOverException.class);
        assertThat(job.handOver()).isFalse();
    }

    @Test
    void noOutcomeIsPublishedBeforeTheLedgerHoldsIt() {
        job.intentRecorded();
        job.decide(failure());

        assertThatIllegalStateException().isThrownBy(job::published);
    }

    @Test
    void aJobIsNotAcceptedBeforeItsIntentIsRecorded() {
        assertThatIllegalStateException().isThrownBy(() -> job.accepted("j-1", T0, T0, Duration.ZERO));
    }

    @Test
    void aResumedOutcomeGoesStraightToPublishingWhatTheLedgerHolds() {
        Job resumed = Job.resumedOutcome(new PromptEvent("r-1", null, null, null), 3, "j-1", RECORDED);

        assertThat(resumed.state()).isEqualTo(Job.State.RECORDED);
        assertThat(resumed.recordedOutcome()).isSameAs(RECORDED);
        assertThatIllegalStateException().isThrownBy(() -> resumed.decide(failure()));
    }

    @Test
    void onlyAnUnansweredSubmitAnUnrecordedAcceptanceOrAnUnfinishedOutcomeHoldsUpAHandOver() {
        job.intentRecorded();
        assertThat(job.isMidStep()).isFalse();
        job.callStarted();
        assertThat(job.isMidStep()).isTrue();
        job.accepted("j-1", T0, T0.plusSeconds(600), Duration.ofSeconds(5));
        job.callEnded();
        assertThat(job.isMidStep()).isTrue();
        job.acceptanceRecorded();
        assertThat(job.isMidStep()).isFalse();
        job.decide(failure());
        assertThat(job.isMidStep()).isTrue();
        job.outcomeRecorded(RECORDED);
        job.published();
        assertThat(job.isMidStep()).isTrue();
        job.doneRecorded();
        assertThat(job.isMidStep()).isFalse();
    }

    @Test
    void aCompletedSongIsArchivedBeforeItsOutcomeIsDecidedAndArchivingHoldsUpNoHandOver() {
        job.intentRecorded();
        job.accepted("j-1", T0, T0.plusSeconds(600), Duration.ofSeconds(5));
        job.acceptanceRecorded();
        SongResult song = new SongResult(
                "r-1", "j-1", "p", "t", null, 1, "https://cdn/s.mp3", null, List.of(), null, null, null, null, null);

        job.completed(song);

        assertThat(job.state()).isEqualTo(Job.State.ARCHIVING);
        assertThat(job.phase()).isEqualTo(Job.Phase.ARCHIVING);
        assertThat(job.completedSong()).isSameAs(song);
        // a crash or a hand-over here resumes from the SUBMITTED entry: nothing is half-written in the ledger
        assertThat(job.isMidStep()).isFalse();
        assertThatIllegalStateException().isThrownBy(() -> job.decide(failure()));

        SongResult archived = song.archived(null, "song: gone");
        job.archived(archived);

        assertThat(job.state()).isEqualTo(Job.State.DECIDED);
        assertThat(job.outcome()).isEqualTo(new Outcome.Song(archived));
    }

    @Test
    void onlyAPolledJobCanComplete() {
        job.intentRecorded();
        SongResult song =
                new SongResult("r-1", "j-1", "p", "t", null, 1, "u", null, List.of(), null, null, null, null, null);

        assertThatIllegalStateException().isThrownBy(() -> job.completed(song));
        assertThatIllegalStateException().isThrownBy(() -> job.archived(song));
    }
}
