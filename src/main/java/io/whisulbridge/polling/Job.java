package io.whisulbridge.polling;

import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One request's journey through Whisul. Small and mutable on purpose: tens of thousands live at once, each touched
 * by one step at a time (its steps run in sequence), and {@link JobPolicy} decides every transition.
 */
public final class Job {

    public enum Phase { SUBMITTING, POLLING, DONE }

    private final PromptEvent event;
    private final int partition;
    private final CompletableFuture<Void> recorded = new CompletableFuture<>();
    private Phase phase = Phase.SUBMITTING;
    private String jobId;
    private Instant acceptedAt;
    private Instant deadline;
    private volatile Cancellable run;
    private volatile boolean leaving;
    private volatile boolean handedOver;
    private volatile Instant nextCallAt;
    private Context traceContext = Context.root();
    private Duration nextDelay = Duration.ZERO;
    private boolean waitingForKey;
    private int calls;
    private int polls;
    private int consecutiveErrors;
    private String lastError;
    private Outcome outcome;

    public Job(PromptEvent event) {
        this(event, 0);
    }

    /** @param partition the prompt record's partition, which is also the job's ledger partition */
    public Job(PromptEvent event, int partition) {
        this.event = event;
        this.partition = partition;
    }

    /** A job the ledger says Whisul accepted earlier, possibly in another process: it goes straight to polling. */
    public static Job resumed(PromptEvent event, int partition, String jobId, Instant acceptedAt, Instant deadline,
                              Duration firstPoll) {
        Job job = new Job(event, partition);
        job.accepted(jobId, acceptedAt, deadline, firstPoll);
        job.markRecorded();
        return job;
    }

    /** When the next Whisul call of this job is due; null while it waits for the key or is done. */
    public Instant nextCallAt() {
        return nextCallAt;
    }

    void nextCallAt(Instant due) {
        nextCallAt = due;
    }

    public Context traceContext() {
        return traceContext;
    }

    void traceContext(Context context) {
        traceContext = context;
    }

    public int partition() {
        return partition;
    }

    public Instant acceptedAt() {
        return acceptedAt;
    }

    /** Completes once the job is safe in the ledger (or finished): from then on its prompt record may be acked. */
    public Uni<Void> recorded() {
        return Uni.createFrom().completionStage(recorded);
    }

    public boolean isRecorded() {
        return recorded.isDone();
    }

    public void markRecorded() {
        recorded.complete(null);
    }

    /** Something went wrong that no retry fixes: whoever waits to ack the prompt record gets the failure. */
    public void failed(Throwable bug) {
        recorded.completeExceptionally(bug);
    }

    /** Its partition is leaving this instance: a job still submitting must not start another call. */
    public void leaving() {
        leaving = true;
    }

    public boolean isLeaving() {
        return leaving;
    }

    /** Another owner takes over (rebalance, shutdown): whoever waits to ack the prompt record must not. */
    public void handOver() {
        handedOver = true;
        recorded.completeExceptionally(new HandedOverException(event.requestId()));
        Cancellable current = run;
        if (current != null) {
            current.cancel();
        }
    }

    public void runningAs(Cancellable subscription) {
        run = subscription;
        if (handedOver) {
            subscription.cancel(); // handed over while its first step was still being set up
        }
    }

    public PromptEvent event() {
        return event;
    }

    public String requestId() {
        return event.requestId();
    }

    public Phase phase() {
        return phase;
    }

    public boolean isDone() {
        return phase == Phase.DONE;
    }

    public String jobId() {
        return jobId;
    }

    public Instant deadline() {
        return deadline;
    }

    public Duration nextDelay() {
        return nextDelay;
    }

    public boolean waitingForKey() {
        return waitingForKey;
    }

    public int calls() {
        return calls;
    }

    public int polls() {
        return polls;
    }

    public int consecutiveErrors() {
        return consecutiveErrors;
    }

    public String lastError() {
        return lastError;
    }

    public Outcome outcome() {
        return outcome;
    }

    void callMade() {
        calls++;
    }

    void pollMade() {
        polls++;
    }

    void accepted(String whisulJobId, Instant at, Instant pollingDeadline, Duration firstPoll) {
        jobId = whisulJobId;
        acceptedAt = at;
        deadline = pollingDeadline;
        phase = Phase.POLLING;
        consecutiveErrors = 0;
        nextDelay = firstPoll;
    }

    void answered() {
        consecutiveErrors = 0;
    }

    void transientError(String error) {
        consecutiveErrors++;
        lastError = error;
    }

    void retryIn(Duration delay) {
        nextDelay = delay;
    }

    void keyRejected() {
        waitingForKey = true;
    }

    void keyRestored() {
        waitingForKey = false;
    }

    void finish(Outcome result) {
        outcome = result;
        phase = Phase.DONE;
    }

    public static final class HandedOverException extends RuntimeException {
        public HandedOverException(String requestId) {
            super("request " + requestId + " was handed over to another owner", null, false, false);
        }
    }
}
