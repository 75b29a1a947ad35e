package io.whisulbridge.polling;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.whisulbridge.client.ApiKeyGate;
import io.whisulbridge.client.PollResponse;
import io.whisulbridge.client.RequestBudget;
import io.whisulbridge.client.SubmitResponse;
import io.whisulbridge.client.WhisulClient;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.fencing.FencedWriter;
import io.whisulbridge.metrics.BridgeMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Drives a {@link Job} through Whisul: a submit loop, then the poll stream. Each loop is a Mutiny repetition of
 * "wait for the job's turn, make one call, let {@link JobPolicy} decide", so a job costs a timer while it sleeps.
 */
@ApplicationScoped
public class JobDriver {

    private final WhisulClient whisul;
    private final ApiKeyGate keyGate;
    private final Delays delays;
    private final JobPolicy policy;
    private final JobTracing tracing;
    private final BridgeMetrics metrics;
    private final FencedWriter writer;
    private final RequestBudget budget;

    public JobDriver(
            WhisulClient whisul,
            ApiKeyGate keyGate,
            Delays delays,
            JobTracing tracing,
            BridgeMetrics metrics,
            FencedWriter writer,
            RequestBudget budget,
            BridgeConfig config) {
        this.writer = writer;
        this.budget = budget;
        this.tracing = tracing;
        this.metrics = metrics;
        this.whisul = whisul;
        this.keyGate = keyGate;
        this.delays = delays;
        BridgeConfig.Whisul settings = config.whisul();
        this.policy = new JobPolicy(
                pollSchedule(settings),
                new RetryBackoff(settings.retryInitialBackoff(), settings.retryMaxBackoff()),
                settings.jobMaxWait(),
                settings.maxRetries(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    private static PollSchedule pollSchedule(BridgeConfig.Whisul settings) {
        BackoffPollSchedule backoff = new BackoffPollSchedule(
                settings.pollInitialDelay(),
                settings.pollInterval(),
                settings.pollMaxInterval(),
                settings.pollBackoffFactor(),
                settings.pollJitter());
        return switch (settings.pollSchedule()) {
            case BACKOFF -> backoff;
            case FIXED -> BackoffPollSchedule.fixed(settings.pollInitialDelay(), settings.pollInterval());
            // the 5th and 95th percentiles of the last 1000 jobs bracket "around the expected completion"
            case ADAPTIVE ->
                new AdaptivePollSchedule(
                        backoff, new DurationEstimator(1000, 50), settings.pollAdaptiveMinSamples(), 0.05, 0.95);
            // 95 % of jobs within the lag target; an age is trusted once 20 jobs were seen there; a new plan every
            // 500 observations costs a few ms (BENCHMARKS.md, "Poll scheduling near the optimum")
            case SURVIVAL ->
                new SurvivalPollSchedule(
                        backoff,
                        new SurvivalEstimator(settings.jobMaxWait(), 1000),
                        settings.pollLagTarget(),
                        0.05,
                        20,
                        500);
        };
    }

    /** A job the ledger recorded as accepted: polled again soon, spread over one interval so a replay is no burst. */
    public Job resume(PromptEvent event, int partition, String jobId, Instant acceptedAt) {
        Duration spread = policy.schedule()
                .interval()
                .multipliedBy(ThreadLocalRandom.current().nextInt(1000))
                .dividedBy(1000);
        return Job.resumedAccepted(event, partition, jobId, acceptedAt, acceptedAt.plus(policy.maxWait()), spread);
    }

    /** Ends with the job accepted (now polling) or done (rejected, or out of retries). */
    public Uni<Job> submit(Job job) {
        return submit(job, () -> {});
    }

    /** As {@link #submit(Job)}; {@code permitted} runs each time the request budget lets one of its submits out. */
    public Uni<Job> submit(Job job, Runnable permitted) {
        return repeatWhile(job, Job.Phase.SUBMITTING, current -> submitOnce(current, permitted));
    }

    /** The backoff poll stream: ends with the job done, whatever Whisul says. */
    public Uni<Job> pollUntilDone(Job job) {
        return repeatWhile(job, Job.Phase.POLLING, this::pollOnce);
    }

    private Uni<Job> repeatWhile(Job job, Job.Phase phase, Function<Job, Uni<Job>> call) {
        if (job.phase() != phase) {
            return Uni.createFrom().item(job);
        }
        return Multi.createBy()
                .repeating()
                .uni(() -> awaitTurn(job).chain(() -> callUnlessLeaving(job, call)))
                .whilst(current -> current.phase() == phase)
                .collect()
                .last()
                .replaceWith(job);
    }

    /** A job whose partition is leaving starts no new call: its next owner makes it. */
    private static Uni<Job> callUnlessLeaving(Job job, Function<Job, Uni<Job>> call) {
        if (job.isLeaving()) {
            return Uni.createFrom().failure(new Job.HandedOverException(job.requestId()));
        }
        return call.apply(job);
    }

    private Uni<Void> awaitTurn(Job job) {
        if (job.waitingForKey()) {
            JobLog.info(job, "waiting for Whisul to accept the API key again");
            job.nextCallAt(null);
            return keyGate.awaitValidKey().invoke(job::keyRestored);
        }
        job.nextCallAt(Instant.now().plus(job.nextDelay()));
        return delays.sleep(job.nextDelay());
    }

    private Uni<Job> submitOnce(Job job, Runnable permitted) {
        job.callStarted(); // a hand-over waits for this answer to reach the ledger rather than let Whisul be paid twice
        return tracing.call(
                        job,
                        "whisul.submit",
                        () -> whisul.submit(
                                job.event().prompt(),
                                writer.fence(job.partition()).invoke(permitted)),
                        JobDriver::name)
                .map(answer -> {
                    policy.onSubmit(job, answer, Instant.now());
                    endedAfterCalls(job);
                    if (answer instanceof SubmitResponse.Unauthorized unauthorized) {
                        keyGate.rejected(unauthorized.status());
                    } else if (answer instanceof SubmitResponse.Accepted) {
                        metrics.jobSubmitted();
                        JobLog.info(job, "accepted by Whisul as job %s", job.jobId());
                    } else if (answer instanceof SubmitResponse.AcceptedWithoutJobId odd) {
                        JobLog.warn(job, "%s", odd.description());
                    } else if (answer instanceof SubmitResponse.Transient error && !job.isDone()) {
                        metrics.retried(BridgeMetrics.Phase.SUBMIT);
                        JobLog.debug(
                                job,
                                "submit failed (%s), retry %d in %s",
                                error.description(),
                                job.consecutiveErrors(),
                                job.nextDelay());
                    }
                    return job;
                })
                .eventually(job::callEnded); // after the answer moved the job on, so a hand-over never sees a gap
    }

    private Uni<Job> pollOnce(Job job) {
        return tracing.call(
                        job,
                        "whisul.poll",
                        () -> whisul.poll(job.jobId(), policy.pollPriority(job, Instant.now())),
                        JobDriver::name)
                .map(answer -> {
                    policy.onPoll(job, answer, Instant.now());
                    endedAfterCalls(job);
                    if (answer instanceof PollResponse.Unauthorized unauthorized) {
                        keyGate.rejected(unauthorized.status());
                    } else if (answer instanceof PollResponse.Running running && !running.knownStatus()) {
                        JobLog.warn(
                                job,
                                "Whisul job %s has unknown status '%s'; treating it as still running",
                                job.jobId(),
                                running.status());
                    } else if (answer instanceof PollResponse.Transient error && !job.isDone()) {
                        metrics.retried(BridgeMetrics.Phase.POLL);
                        JobLog.debug(
                                job,
                                "poll of %s failed (%s), retry %d in %s",
                                job.jobId(),
                                error.description(),
                                job.consecutiveErrors(),
                                job.nextDelay());
                    }
                    return job;
                });
    }

    /** What a finished job cost paces the submits of new ones (RequestBudget). */
    private void endedAfterCalls(Job job) {
        if (job.isDone()) {
            budget.jobEnded(job.calls());
        }
    }

    private static String name(Object answer) {
        return answer.getClass().getSimpleName();
    }
}
