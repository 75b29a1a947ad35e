package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.whisulbridge.client.CompletedJob;
import io.whisulbridge.client.PollResponse;
import io.whisulbridge.client.SubmitResponse;
import io.whisulbridge.domain.FailureReason;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.domain.SongFailure;
import io.whisulbridge.domain.SongResult;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every transition of a {@link Job}, with a schedule of 5 s initial delay, 5 s interval growing by 1.5 up to 10 s,
 * backoff 1 s..30 s, a 10 minute deadline and 3 retries. The random source is fixed at 0.5, which cancels the
 * poll jitter and makes each retry backoff exactly 3/4 of its exponential value.
 */
class JobPolicyTest {

    private static final Instant T0 = Instant.parse("2025-03-01T14:00:00Z");
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);
    private static final Instant DEADLINE = T0.plus(MAX_WAIT);
    private static final int MAX_RETRIES = 3;
    private static final String JOB_ID = "3f0c1d9e-8a7b-4c2d-9e1f-0a1b2c3d4e5f";
    private static final JsonNode METADATA =
            JsonNodeFactory.instance.objectNode().put("user", "u-42");
    private static final PollResponse RUNNING = new PollResponse.Running("running");

    private final JobPolicy policy = new JobPolicy(
            new BackoffPollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10), 1.5, 0.2),
            new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)),
            MAX_WAIT,
            MAX_RETRIES,
            () -> 0.5);

    private final Job job = submitting(new Job(new PromptEvent("req-1", "dark trap beat", METADATA, "00-abc-def-01")));

    private static Job submitting(Job job) {
        job.intentRecorded(); // the policy decides only for jobs whose intent the ledger holds
        return job;
    }

    private Job accepted() {
        policy.onSubmit(job, new SubmitResponse.Accepted(JOB_ID), T0);
        job.acceptanceRecorded();
        return job;
    }

    private static SongFailure failure(Job job) {
        assertThat(job.isDone()).as("job is done").isTrue();
        assertThat(job.outcome()).isInstanceOf(Outcome.Failure.class);
        return ((Outcome.Failure) job.outcome()).failure();
    }

    // ---- submitting ----------------------------------------------------------------------------------------

    @Test
    void acceptedSubmitStartsPollingWithADeadlineAndTheFirstPollDelay() {
        accepted();

        assertThat(job.phase()).isEqualTo(Job.Phase.POLLING);
        assertThat(job.jobId()).isEqualTo(JOB_ID);
        assertThat(job.deadline()).isEqualTo(DEADLINE);
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(job.outcome()).isNull();
    }

    @Test
    void submitDeferredByOurOwnBudgetIsNeitherACallNorAnError() {
        policy.onSubmit(job, new SubmitResponse.Deferred(Duration.ofSeconds(1)), T0);

        assertThat(job.calls()).isZero();
        assertThat(job.consecutiveErrors()).isZero();
        assertThat(job.phase()).isEqualTo(Job.Phase.SUBMITTING);
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void pollDeferredByOurOwnBudgetWaitsAtLeastTheIntervalWithoutCountingAnError() {
        accepted();

        policy.onPoll(job, new PollResponse.Deferred(Duration.ofSeconds(1)), T0.plusSeconds(10));

        assertThat(job.calls()).isEqualTo(1);
        assertThat(job.consecutiveErrors()).isZero();
        assertThat(job.isDone()).isFalse();
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void rejectedSubmitFailsAsInvalidPromptWithoutAJobId() {
        policy.onSubmit(job, new SubmitResponse.Rejected("HTTP 400: prompt must not be empty"), T0);

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.INVALID_PROMPT);
        assertThat(failure.jobId()).isNull();
        assertThat(failure.error()).contains("HTTP 400: prompt must not be empty");
        assertThat(failure.attempts()).isEqualTo(1);
    }

    @Test
    void failureEchoesTheRequestAndStampsTheDecisionTime() {
        policy.onSubmit(job, new SubmitResponse.Rejected("HTTP 400"), T0);

        SongFailure failure = failure(job);
        assertThat(failure.requestId()).isEqualTo("req-1");
        assertThat(failure.prompt()).isEqualTo("dark trap beat");
        assertThat(failure.metadata()).isEqualTo(METADATA);
        assertThat(failure.failedAt()).isEqualTo("2025-03-01T14:00:00Z");
    }

    @Test
    void unauthorizedSubmitsWaitForTheKeyWithoutCountingErrors() {
        for (int i = 0; i <= MAX_RETRIES * 3; i++) {
            policy.onSubmit(job, new SubmitResponse.Unauthorized(401), T0);
        }

        assertThat(job.waitingForKey()).isTrue();
        assertThat(job.consecutiveErrors()).isZero();
        assertThat(job.phase()).isEqualTo(Job.Phase.SUBMITTING);
        assertThat(job.isDone()).isFalse();
    }

    @Test
    void transientSubmitErrorIsCountedAndRetriedAfterTheBackoff() {
        policy.onSubmit(job, new SubmitResponse.Transient("HTTP 503", null), T0);

        assertThat(job.consecutiveErrors()).isEqualTo(1);
        assertThat(job.lastError()).isEqualTo("HTTP 503");
        assertThat(job.nextDelay()).isEqualTo(Duration.ofMillis(750));
        assertThat(job.phase()).isEqualTo(Job.Phase.SUBMITTING);
    }

    @Test
    void submitRetryAfterIsHonouredUpToTheRetryCap() {
        policy.onSubmit(job, new SubmitResponse.Transient("HTTP 429", Duration.ofSeconds(20)), T0);
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(20));

        policy.onSubmit(job, new SubmitResponse.Transient("HTTP 429", Duration.ofHours(1)), T0);
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void transientSubmitErrorsBeyondMaxRetriesExhaustTheRetriesCountingEveryCall() {
        for (int i = 0; i <= MAX_RETRIES; i++) {
            assertThat(job.isDone()).as("done before error %d", i + 1).isFalse();
            policy.onSubmit(job, new SubmitResponse.Transient("HTTP 500", null), T0);
        }

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.RETRIES_EXHAUSTED);
        assertThat(failure.attempts()).isEqualTo(MAX_RETRIES + 1);
        assertThat(failure.jobId()).isNull();
        assertThat(failure.error()).contains("HTTP 500");
    }

    @Test
    void a429OnSubmitNeverCountsTowardTheRetriesHoweverLongItLasts() {
        for (int i = 0; i < 10 * MAX_RETRIES; i++) {
            policy.onSubmit(
                    job, new SubmitResponse.Transient("HTTP 429", Duration.ofSeconds(1), true), T0.plusSeconds(i));
        }

        assertThat(job.isDone()).isFalse();
        assertThat(job.consecutiveErrors()).isZero();
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(job.lastError()).isEqualTo("HTTP 429");
    }

    @Test
    void a429WithoutRetryAfterBacksOffFurtherEachTimeUpToTheCap() {
        policy.onSubmit(job, new SubmitResponse.Transient("HTTP 429", null, true), T0);
        Duration first = job.nextDelay();
        for (int i = 0; i < 20; i++) {
            policy.onSubmit(job, new SubmitResponse.Transient("HTTP 429", null, true), T0);
        }

        assertThat(first).isEqualTo(Duration.ofMillis(750));
        assertThat(job.nextDelay()).isEqualTo(Duration.ofMillis(22_500)); // the 30 s cap, with the fixed jitter
        assertThat(job.isDone()).isFalse();
    }

    @Test
    void aSuccessWithoutAJobIdEndsTheRequestAtOnceWithWhatWhisulSent() {
        policy.onSubmit(
                job, new SubmitResponse.AcceptedWithoutJobId("Whisul answered HTTP 202 without a job_id: {}"), T0);

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.GENERATION_FAILED);
        assertThat(failure.error()).contains("HTTP 202 without a job_id");
        assertThat(failure.attempts()).isEqualTo(1);
    }

    @Test
    void acceptanceClearsTheSubmitErrorsSoPollingGetsAFullRetryBudget() {
        policy.onSubmit(job, new SubmitResponse.Transient("HTTP 500", null), T0);
        policy.onSubmit(job, new SubmitResponse.Transient("HTTP 500", null), T0);
        accepted();

        assertThat(job.consecutiveErrors()).isZero();
    }

    // ---- polling -------------------------------------------------------------------------------------------

    @Test
    void runningJobIsPolledAgainAfterTheInterval() {
        accepted();
        policy.onPoll(job, RUNNING, T0.plusSeconds(5));

        assertThat(job.isDone()).isFalse();
        assertThat(job.polls()).isEqualTo(1);
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void pollDelayGrowsWithEachRunningAnswer() {
        accepted();
        policy.onPoll(job, RUNNING, T0.plusSeconds(5));
        policy.onPoll(job, RUNNING, T0.plusSeconds(10));
        assertThat(job.nextDelay()).isEqualTo(Duration.ofMillis(7500));

        policy.onPoll(job, RUNNING, T0.plusMillis(17_500));
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void pollDelayIsCappedAtTheDeadline() {
        accepted();
        policy.onPoll(job, RUNNING, T0.plusSeconds(5));
        policy.onPoll(job, RUNNING, T0.plusSeconds(10));
        policy.onPoll(job, RUNNING, DEADLINE.minusSeconds(7)); // scheduled 10 s, deadline in 7 s

        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void pollDelayIsNeverBelowTheIntervalEvenRightBeforeTheDeadline() {
        accepted();
        policy.onPoll(job, RUNNING, DEADLINE.minusSeconds(2));

        assertThat(job.isDone()).isFalse();
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void runningJobJustBeforeTheDeadlineIsNotTimedOut() {
        accepted();
        policy.onPoll(job, RUNNING, DEADLINE.minusMillis(1));

        assertThat(job.isDone()).isFalse();
    }

    @Test
    void runningJobAtTheDeadlineTimesOut() {
        accepted();
        policy.onPoll(job, RUNNING, T0.plusSeconds(5));
        policy.onPoll(job, RUNNING, DEADLINE);

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.TIMED_OUT);
        assertThat(failure.jobId()).isEqualTo(JOB_ID);
        assertThat(failure.attempts()).isEqualTo(3);
        assertThat(failure.failedAt()).isEqualTo(DEADLINE.toString());
    }

    @Test
    void unknownStatusKeepsPollingAndTimesOutAtTheDeadlineNamingTheStatus() {
        accepted();
        policy.onPoll(job, new PollResponse.Running("queued"), T0.plusSeconds(5));
        assertThat(job.isDone()).isFalse();

        policy.onPoll(job, new PollResponse.Running("queued"), DEADLINE.plusSeconds(3));

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.TIMED_OUT);
        assertThat(failure.error()).contains("queued");
    }

    @Test
    void failedJobFailsAsGenerationFailedWithWhisulsMessage() {
        accepted();
        policy.onPoll(job, new PollResponse.Failed("model overloaded"), T0.plusSeconds(5));

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.GENERATION_FAILED);
        assertThat(failure.error()).isEqualTo("model overloaded");
        assertThat(failure.jobId()).isEqualTo(JOB_ID);
        assertThat(failure.attempts()).isEqualTo(2);
    }

    @Test
    void notFoundJobFailsAsExpired() {
        accepted();
        policy.onPoll(job, new PollResponse.NotFound(), T0.plusSeconds(5));

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.JOB_EXPIRED);
        assertThat(failure.error()).contains(JOB_ID).contains("404");
    }

    @Test
    void completedJobBecomesASongResultWithFieldsMappedAndMetadataEchoed() {
        accepted();
        CompletedJob song = new CompletedJob(
                "Night Drive",
                new BigDecimal("140"),
                187,
                "https://cdn.whisul.com/s/1.mp3",
                "https://cdn.whisul.com/i/1.jpg",
                List.of("trap", "dark"),
                "2025-03-01T14:00:00Z",
                "2025-03-01T14:02:24Z");

        policy.onPoll(job, new PollResponse.Completed(song), T0.plusSeconds(150));

        // archived next: the outcome is decided only once archiving is settled
        assertThat(job.state()).isEqualTo(Job.State.ARCHIVING);
        assertThat(job.outcome()).isNull();
        assertThat(job.completedSong())
                .isEqualTo(new SongResult(
                        "req-1",
                        JOB_ID,
                        "dark trap beat",
                        "Night Drive",
                        new BigDecimal("140"),
                        187,
                        "https://cdn.whisul.com/s/1.mp3",
                        "https://cdn.whisul.com/i/1.jpg",
                        List.of("trap", "dark"),
                        "2025-03-01T14:00:00Z",
                        "2025-03-01T14:02:24Z",
                        METADATA,
                        null,
                        null));
    }

    @Test
    void theScheduleLearnsTheDurationWhisulReports() {
        List<Duration> learned = new java.util.ArrayList<>();
        JobPolicy learning = learningPolicy(learned);
        learning.onSubmit(job, new SubmitResponse.Accepted(JOB_ID), T0);
        job.acceptanceRecorded();

        learning.onPoll(
                job,
                new PollResponse.Completed(song("2025-03-01T14:00:01Z", "2025-03-01T14:02:01Z")),
                T0.plusSeconds(125));

        assertThat(learned).containsExactly(Duration.ZERO, Duration.ofSeconds(120));
    }

    @Test
    void theScheduleLearnsFromRunningAnswersEachSpanOnceFromTheLastAgeTheJobWasSeenRunning() {
        List<Duration> learned = new java.util.ArrayList<>();
        JobPolicy learning = learningPolicy(learned);
        learning.onSubmit(job, new SubmitResponse.Accepted(JOB_ID), T0);
        job.acceptanceRecorded();

        learning.onPoll(job, RUNNING, T0.plusSeconds(40));
        learning.onPoll(job, RUNNING, T0.plusSeconds(70));
        learning.onPoll(
                job,
                new PollResponse.Completed(song("2025-03-01T14:00:00Z", "2025-03-01T14:01:15Z")),
                T0.plusSeconds(80));

        assertThat(learned)
                .containsExactly(
                        Duration.ZERO,
                        Duration.ofSeconds(40),
                        Duration.ofSeconds(40),
                        Duration.ofSeconds(70),
                        Duration.ofSeconds(70),
                        Duration.ofSeconds(75));
    }

    @Test
    void aReportedDurationLongerThanTheBridgeHasKnownTheJobIsCappedAtWhatItSaw() {
        List<Duration> learned = new java.util.ArrayList<>();
        JobPolicy learning = learningPolicy(learned);
        learning.onSubmit(job, new SubmitResponse.Accepted(JOB_ID), T0);
        job.acceptanceRecorded();

        learning.onPoll(
                job,
                new PollResponse.Completed(song("2025-03-01T13:00:00Z", "2025-03-01T14:00:10Z")),
                T0.plusSeconds(10));

        assertThat(learned).containsExactly(Duration.ZERO, Duration.ofSeconds(10));
    }

    private static JobPolicy learningPolicy(List<Duration> learned) {
        BackoffPollSchedule plain =
                new BackoffPollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10), 1.5, 0.2);
        PollSchedule recording = new PollSchedule() {
            @Override
            public Duration interval() {
                return plain.interval();
            }

            @Override
            public Duration firstPoll() {
                return plain.firstPoll();
            }

            @Override
            public Duration afterPoll(int pollsDone, Duration elapsed, java.util.function.DoubleSupplier random) {
                return plain.afterPoll(pollsDone, random);
            }

            @Override
            public void stillRunning(Duration since, Duration now) {
                learned.add(since);
                learned.add(now);
            }

            @Override
            public void jobCompleted(Duration since, Duration took) {
                learned.add(since);
                learned.add(took);
            }
        };
        return new JobPolicy(
                recording,
                new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30)),
                MAX_WAIT,
                MAX_RETRIES,
                () -> 0.5);
    }

    private static CompletedJob song(String startedAt, String finishedAt) {
        return new CompletedJob(
                "t", null, null, "https://cdn.whisul.com/s/1.mp3", null, List.of(), startedAt, finishedAt);
    }

    @Test
    void completedAnswerAfterTheDeadlineStillDeliversTheSong() {
        accepted();
        CompletedJob song =
                new CompletedJob("t", null, null, "https://cdn.whisul.com/s/1.mp3", null, List.of(), null, null);

        policy.onPoll(job, new PollResponse.Completed(song), DEADLINE.plusSeconds(4));

        assertThat(job.state()).isEqualTo(Job.State.ARCHIVING);
        assertThat(job.completedSong().songUrl()).isEqualTo("https://cdn.whisul.com/s/1.mp3");
    }

    @Test
    void transientPollErrorIsCountedNotPolledAndRetriedNoSoonerThanTheInterval() {
        accepted();
        policy.onPoll(job, new PollResponse.Transient("HTTP 500", null), T0.plusSeconds(5));

        assertThat(job.consecutiveErrors()).isEqualTo(1);
        assertThat(job.polls()).isZero();
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(5)); // backoff says 750 ms
    }

    @Test
    void pollRetryAfterIsHonouredUpToTheRetryCap() {
        accepted();
        policy.onPoll(job, new PollResponse.Transient("HTTP 429", Duration.ofSeconds(20)), T0.plusSeconds(5));
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(20));

        policy.onPoll(job, new PollResponse.Transient("HTTP 429", Duration.ofMinutes(5)), T0.plusSeconds(25));
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void a429StormOverAnAcceptedJobNeverFailsIt() {
        accepted();
        for (int i = 0; i < 10 * MAX_RETRIES; i++) {
            policy.onPoll(
                    job, new PollResponse.Transient("HTTP 429", Duration.ofSeconds(1), true), T0.plusSeconds(5 + i));
        }

        assertThat(job.isDone()).isFalse();
        assertThat(job.phase()).isEqualTo(Job.Phase.POLLING);
        assertThat(job.nextDelay()).isEqualTo(Duration.ofSeconds(5)); // never sooner than the interval
    }

    @Test
    void transientPollErrorsBeyondMaxRetriesExhaustTheRetriesCountingEveryCall() {
        accepted();
        for (int i = 0; i <= MAX_RETRIES; i++) {
            assertThat(job.isDone()).as("done before error %d", i + 1).isFalse();
            policy.onPoll(job, new PollResponse.Transient("HTTP 502", null), T0.plusSeconds(5 + i));
        }

        SongFailure failure = failure(job);
        assertThat(failure.reason()).isEqualTo(FailureReason.RETRIES_EXHAUSTED);
        assertThat(failure.attempts()).isEqualTo(1 + MAX_RETRIES + 1);
        assertThat(failure.jobId()).isEqualTo(JOB_ID);
        assertThat(failure.error()).contains("HTTP 502");
    }

    @Test
    void anAnswerBetweenTransientErrorsResetsTheCount() {
        accepted();
        for (int i = 0; i < MAX_RETRIES; i++) {
            policy.onPoll(job, new PollResponse.Transient("HTTP 500", null), T0.plusSeconds(5));
        }
        policy.onPoll(job, RUNNING, T0.plusSeconds(10));
        for (int i = 0; i < MAX_RETRIES; i++) {
            policy.onPoll(job, new PollResponse.Transient("HTTP 500", null), T0.plusSeconds(15));
        }

        assertThat(job.isDone()).isFalse();
        assertThat(job.consecutiveErrors()).isEqualTo(MAX_RETRIES);
    }

    @Test
    void unauthorizedPollWaitsForTheKeyWithoutCountingAnErrorAndKeepsTheJob() {
        accepted();
        policy.onPoll(job, new PollResponse.Unauthorized(403), T0.plusSeconds(5));

        assertThat(job.waitingForKey()).isTrue();
        assertThat(job.consecutiveErrors()).isZero();
        assertThat(job.phase()).isEqualTo(Job.Phase.POLLING);
        assertThat(job.calls()).isEqualTo(2);

        job.keyRestored();
        assertThat(job.waitingForKey()).isFalse();
    }
}
