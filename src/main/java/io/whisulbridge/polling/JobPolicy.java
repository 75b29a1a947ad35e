package io.whisulbridge.polling;

import io.whisulbridge.client.CompletedJob;
import io.whisulbridge.client.PollResponse;
import io.whisulbridge.client.SubmitResponse;
import io.whisulbridge.domain.FailureReason;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.domain.SongFailure;
import io.whisulbridge.domain.SongResult;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/** Every decision about a job after a Whisul answer, as plain code: no I/O, no clock, no randomness of its own. */
public final class JobPolicy {

    private final PollSchedule schedule;
    private final RetryBackoff backoff;
    private final Duration maxWait;
    private final int maxRetries;
    private final DoubleSupplier random;

    public JobPolicy(
            PollSchedule schedule, RetryBackoff backoff, Duration maxWait, int maxRetries, DoubleSupplier random) {
        this.schedule = schedule;
        this.backoff = backoff;
        this.maxWait = maxWait;
        this.maxRetries = maxRetries;
        this.random = random;
    }

    public Duration maxWait() {
        return maxWait;
    }

    public PollSchedule schedule() {
        return schedule;
    }

    public void onSubmit(Job job, SubmitResponse response, Instant now) {
        if (response instanceof SubmitResponse.Deferred deferred) {
            job.retryIn(deferred.retryIn()); // never left this process: neither a call nor an error
            return;
        }
        job.callMade();
        if (response instanceof SubmitResponse.Accepted accepted) {
            job.accepted(accepted.jobId(), now, now.plus(maxWait), schedule.firstPoll(random));
        } else if (response instanceof SubmitResponse.Rejected rejected) {
            fail(job, FailureReason.INVALID_PROMPT, "Whisul rejected the prompt: " + rejected.message(), now);
        } else if (response instanceof SubmitResponse.AcceptedWithoutJobId odd) {
            fail(job, FailureReason.GENERATION_FAILED, odd.description(), now);
        } else if (response instanceof SubmitResponse.Unauthorized) {
            job.keyRejected();
        } else if (response instanceof SubmitResponse.Transient error) {
            retryOrGiveUp(job, error.description(), error.retryAfter(), error.rateLimited(), Duration.ZERO, now);
        }
    }

    public void onPoll(Job job, PollResponse response, Instant now) {
        if (response instanceof PollResponse.Deferred deferred) {
            job.retryIn(
                    deferred.retryIn().compareTo(schedule.interval()) < 0 ? schedule.interval() : deferred.retryIn());
            return;
        }
        job.callMade();
        if (response instanceof PollResponse.Unauthorized) {
            job.keyRejected();
        } else if (response instanceof PollResponse.Transient error) {
            retryOrGiveUp(job, error.description(), error.retryAfter(), error.rateLimited(), schedule.interval(), now);
        } else {
            job.pollMade();
            job.answered();
            decide(job, response, now);
        }
    }

    private void decide(Job job, PollResponse answer, Instant now) {
        if (answer instanceof PollResponse.Completed completed) {
            Duration took = took(job, completed.job(), now);
            if (took != null) {
                schedule.jobCompleted(job.lastSeenRunning(), took);
            }
            job.completed(songResult(job, completed.job())); // archived next, then decided
        } else if (answer instanceof PollResponse.Failed failed) {
            fail(job, FailureReason.GENERATION_FAILED, failed.error(), now);
        } else if (answer instanceof PollResponse.NotFound) {
            fail(job, FailureReason.JOB_EXPIRED, "Whisul no longer knows job " + job.jobId() + " (HTTP 404)", now);
        } else if (answer instanceof PollResponse.Running running && !now.isBefore(job.deadline())) {
            fail(
                    job,
                    FailureReason.TIMED_OUT,
                    "job " + job.jobId() + " was still " + running.status() + " after " + maxWait + " (" + job.polls()
                            + " polls)",
                    now);
        } else {
            Duration age = age(job, now);
            schedule.stillRunning(job.lastSeenRunning(), age);
            job.seenRunningAt(age);
            job.retryIn(schedule.nextPoll(job.polls(), age, Duration.between(now, job.deadline()), random));
        }
    }

    /**
     * How much a poll of the job made now is worth when the request budget binds: the chance that it finds the job
     * done, by the schedule's estimate.
     */
    public double pollPriority(Job job, Instant now) {
        return schedule.doneChance(job.lastSeenRunning(), age(job, now));
    }

    private static Duration age(Job job, Instant now) {
        return job.acceptedAt() == null ? Duration.ZERO : Duration.between(job.acceptedAt(), now);
    }

    /**
     * How long the job ran, for schedules that learn. Whisul's own timestamps are exact where ours only say when a
     * poll noticed; but a job cannot have run longer than we have known it, so a reported duration beyond that
     * (a skewed clock, a stand-in's canned timestamps) is capped rather than teaching the schedule to wait for it.
     */
    private static Duration took(Job job, CompletedJob song, Instant now) {
        Duration seen = job.acceptedAt() == null ? null : Duration.between(job.acceptedAt(), now);
        if (song.startedAt() != null && song.finishedAt() != null) {
            Duration reported = Duration.between(Instant.parse(song.startedAt()), Instant.parse(song.finishedAt()));
            if (!reported.isNegative()) {
                return seen == null || reported.compareTo(seen) <= 0 ? reported : seen;
            }
        }
        return seen;
    }

    /**
     * A 429 slows the job down and never counts toward its retries: rate limiting is the service's pace, not the
     * request's fault. Only errors that may be the request's own (5xx, timeouts, unreadable answers) use them up.
     */
    private void retryOrGiveUp(
            Job job, String error, Duration retryAfter, boolean rateLimited, Duration floor, Instant now) {
        if (rateLimited) {
            job.throttled(error);
            // Whisul's hint decides when it gives one; without it, each 429 in a row waits longer
            Duration delay = backoff.delay(retryAfter != null ? 1 : job.consecutiveThrottles(), retryAfter, random);
            job.retryIn(delay.compareTo(floor) < 0 ? floor : delay);
            return;
        }
        job.transientError(error);
        if (job.consecutiveErrors() > maxRetries) {
            fail(
                    job,
                    FailureReason.RETRIES_EXHAUSTED,
                    job.consecutiveErrors() + " transient errors in a row, last: " + error,
                    now);
            return;
        }
        Duration delay = backoff.delay(job.consecutiveErrors(), retryAfter, random);
        job.retryIn(delay.compareTo(floor) < 0 ? floor : delay);
    }

    private static void fail(Job job, FailureReason reason, String error, Instant now) {
        PromptEvent event = job.event();
        job.decide(new Outcome.Failure(new SongFailure(
                event.requestId(),
                job.jobId(),
                event.prompt(),
                reason,
                error,
                job.calls(),
                now.toString(),
                event.metadata(),
                event.callbackUrl(),
                event.tenant())));
    }

    private static SongResult songResult(Job job, CompletedJob song) {
        PromptEvent event = job.event();
        return new SongResult(
                event.requestId(),
                job.jobId(),
                event.prompt(),
                song.title(),
                song.bpm(),
                song.durationSeconds(),
                song.songUrl(),
                song.imageUrl(),
                song.tags(),
                song.startedAt(),
                song.finishedAt(),
                event.metadata(),
                event.callbackUrl(),
                event.tenant());
    }
}
