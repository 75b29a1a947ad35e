package io.whisulbridge.polling;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.domain.SongResult;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One request's life in this process, as an explicit state machine: every state a job can be in, every transition
 * in one place, and from the state alone the fate of its prompt record. Durable steps come first: each state past
 * {@link State#ADMITTED} is entered only once the ledger holds what a crash would otherwise lose.
 * <pre>
 * ADMITTED --queueRecorded--> QUEUED --dequeued--> DEQUEUED --intentRecorded--> SUBMITTING
 * ADMITTED --intentRecorded--> SUBMITTING   (its turn came at once: nothing waits in the fair queue)
 * SUBMITTING --accepted--> ACCEPTED --acceptanceRecorded--> POLLING
 * POLLING --completed--> ARCHIVING --archived--> DECIDED
 * SUBMITTING | POLLING --decide--> DECIDED --outcomeRecorded--> RECORDED --published--> PUBLISHED --doneRecorded--> DONE
 * any state before DONE --handOver--> HANDED_OVER
 * </pre>
 * Archiving has no ledger entry of its own: the song is copied to a deterministic key, so a job resumed from its
 * {@code SUBMITTED} entry polls once more, archives to the same objects, and only then decides; what it archived is
 * recorded as part of the decided outcome.
 * Small and mutable on purpose: tens of thousands live at once, each touched by one step at a time (its steps run in
 * sequence); {@link JobPolicy} decides what Whisul's answers mean, this class only whether a move is allowed.
 */
public final class Job {

    public enum State {
        /** Holds a queue slot; nothing durable yet, so its prompt record must stay unacknowledged. */
        ADMITTED,
        /**
         * The ledger holds the prompt as queued: the prompt record is done with. It waits in its tenant's queue for
         * its fair turn; Whisul has never seen it, so a new owner queues it again without a second thought.
         */
        QUEUED,
        /** Its turn came (it holds an in-flight slot now): the intent goes to the ledger before the submit. */
        DEQUEUED,
        /** The ledger holds the intent: the prompt record is done with; submits (may wait for key or budget). */
        SUBMITTING,
        /** Whisul answered with a job id that the ledger does not hold yet. */
        ACCEPTED,
        /** The ledger holds the job id: polling. */
        POLLING,
        /**
         * Whisul finished the song: it is being copied to the archive bucket before the outcome is decided. Nothing
         * of it is in the ledger; a crash here resumes from the job id (poll again, archive again, same keys).
         */
        ARCHIVING,
        /** The outcome is decided and not yet in the ledger. */
        DECIDED,
        /** The ledger holds the outcome, byte for byte: publishing it, again after a crash if need be. */
        RECORDED,
        /** The outcome is on the broker; the ledger is told next. */
        PUBLISHED,
        DONE,
        /** Stopped here for good; the partition's next owner carries on from the ledger. */
        HANDED_OVER;

        public boolean isTerminal() {
            return this == DONE || this == HANDED_OVER;
        }
    }

    /** What becomes of the prompt record that admitted a job: decided by the state machine, nowhere else. */
    public enum RecordFate {
        /** The ledger holds the job: acknowledge. */
        ACK,
        /** Nothing durable happened here: leave it unacknowledged, the partition's next owner reads it again. */
        REDELIVER
    }

    /** Coarse phase, for the poll loop, the status API and the policy's tests. */
    public enum Phase {
        QUEUED,
        SUBMITTING,
        POLLING,
        ARCHIVING,
        DONE
    }

    private static final Set<State> DECIDABLE = EnumSet.of(State.SUBMITTING, State.POLLING);

    private final PromptEvent event;
    private final int partition;
    private final CompletableFuture<RecordFate> recordFate = new CompletableFuture<>();
    private final long createdAtNanos = System.nanoTime();
    private volatile State state = State.ADMITTED;
    private volatile boolean leaving;
    private volatile boolean callInFlight;
    private volatile Instant nextCallAt;
    private volatile Cancellable run;
    private volatile long firstLedgerOffset = -1;
    private String jobId;
    private Instant acceptedAt;
    private Instant deadline;
    private Context traceContext = Context.root();
    private Duration nextDelay = Duration.ZERO;
    private Duration lastSeenRunning = Duration.ZERO;
    private boolean waitingForKey;
    private int calls;
    private int polls;
    private int consecutiveErrors;
    private int consecutiveThrottles;
    private String lastError;
    private Outcome outcome;
    private SongResult completed;
    private RecordedOutcome recorded;
    private boolean resubmittedIntent;

    /** An outcome as the ledger holds it and the broker gets it: the exact record value and its trace header. */
    public record RecordedOutcome(String name, boolean song, String value, String traceparent, Instant decidedAt) {}

    public Job(PromptEvent event) {
        this(event, 0);
    }

    /** @param partition the prompt record's partition, which is also the job's ledger partition */
    public Job(PromptEvent event, int partition) {
        this.event = event;
        this.partition = partition;
    }

    /** The ledger holds its intent but no job id: Whisul may or may not have it (the process died mid-submit). */
    public static Job resumedIntent(PromptEvent event, int partition) {
        Job job = new Job(event, partition);
        job.resubmittedIntent = true;
        job.intentRecorded();
        return job;
    }

    /** The ledger holds it as queued: it goes back into its tenant's queue; Whisul has never seen it. */
    public static Job resumedQueued(PromptEvent event, int partition) {
        Job job = new Job(event, partition);
        job.queueRecorded();
        return job;
    }

    /** The ledger says Whisul accepted it earlier, possibly in another process: it goes straight to polling. */
    public static Job resumedAccepted(
            PromptEvent event, int partition, String jobId, Instant acceptedAt, Instant deadline, Duration firstPoll) {
        Job job = new Job(event, partition);
        job.intentRecorded();
        job.accepted(jobId, acceptedAt, deadline, firstPoll);
        job.acceptanceRecorded();
        return job;
    }

    /** The ledger holds its decided outcome: it is published exactly as recorded, never polled again. */
    public static Job resumedOutcome(PromptEvent event, int partition, String jobId, RecordedOutcome outcome) {
        Job job = new Job(event, partition);
        job.jobId = jobId;
        job.recorded = outcome;
        job.moveTo(State.RECORDED, State.ADMITTED);
        job.recordFate.complete(RecordFate.ACK);
        return job;
    }

    // ---- transitions --------------------------------------------------------------------------------------------

    public void queueRecorded() {
        moveTo(State.QUEUED, State.ADMITTED);
        recordFate.complete(RecordFate.ACK);
    }

    public void dequeued() {
        moveTo(State.DEQUEUED, State.QUEUED);
    }

    public void intentRecorded() {
        moveTo(State.SUBMITTING, state == State.DEQUEUED ? State.DEQUEUED : State.ADMITTED);
        recordFate.complete(RecordFate.ACK);
    }

    void accepted(String whisulJobId, Instant at, Instant pollingDeadline, Duration firstPoll) {
        moveTo(State.ACCEPTED, State.SUBMITTING);
        jobId = whisulJobId;
        acceptedAt = at;
        deadline = pollingDeadline;
        consecutiveErrors = 0;
        nextDelay = firstPoll;
    }

    void seenRunningAt(Duration age) {
        lastSeenRunning = age;
    }

    public void acceptanceRecorded() {
        moveTo(State.POLLING, State.ACCEPTED);
    }

    void decide(Outcome result) {
        if (!DECIDABLE.contains(state)) {
            throw new IllegalStateException("request " + requestId() + ": cannot decide an outcome in state " + state);
        }
        outcome = result;
        state = State.DECIDED;
    }

    /** Whisul says completed: the song goes to the archive first; the outcome is decided once that is settled. */
    void completed(SongResult song) {
        moveTo(State.ARCHIVING, State.POLLING);
        completed = song;
    }

    /** Archiving is settled (archived, partly, or not at all): the song result, with its archive, is the outcome. */
    public void archived(SongResult withArchive) {
        moveTo(State.DECIDED, State.ARCHIVING);
        outcome = new Outcome.Song(withArchive);
    }

    public void outcomeRecorded(RecordedOutcome value) {
        moveTo(State.RECORDED, State.DECIDED);
        recorded = value;
    }

    public void published() {
        moveTo(State.PUBLISHED, State.RECORDED);
    }

    public void doneRecorded() {
        moveTo(State.DONE, State.PUBLISHED);
    }

    /** Its partition is leaving this instance: from now on it starts no call to Whisul. */
    public void markLeaving() {
        leaving = true;
    }

    /**
     * Stops here for good. A job that never reached the ledger leaves its record to be redelivered; every other
     * job is in the ledger, which the next owner replays. Returns false when the job had already ended.
     */
    public synchronized boolean handOver() {
        if (state.isTerminal()) {
            return false;
        }
        state = State.HANDED_OVER;
        recordFate.complete(RecordFate.REDELIVER); // no-op once the intent made it ACK
        Cancellable current = run;
        if (current != null) {
            current.cancel(); // its own run, owned by this job: timers and calls under way stop
        }
        return true;
    }

    /** The subscription that runs its steps; cancelled by {@link #handOver}. */
    public void runningAs(Cancellable subscription) {
        run = subscription;
        if (state == State.HANDED_OVER) {
            subscription.cancel(); // handed over while its first step was being set up
        }
    }

    private synchronized void moveTo(State next, State expected) {
        if (state == State.HANDED_OVER) {
            throw new HandedOverException(requestId());
        }
        if (state != expected) {
            throw new IllegalStateException("request " + requestId() + ": cannot move from " + state + " to " + next);
        }
        state = next;
    }

    // ---- what the rest may ask ---------------------------------------------------------------------------------

    /** Completes once, when the state decides the fate of the prompt record; a copy, so no waiter can cancel it. */
    public Uni<RecordFate> recordFate() {
        return Uni.createFrom().completionStage(recordFate::copy);
    }

    public State state() {
        return state;
    }

    public Phase phase() {
        return switch (state) {
            case QUEUED -> Phase.QUEUED;
            case ADMITTED, DEQUEUED, SUBMITTING -> Phase.SUBMITTING;
            case ACCEPTED, POLLING -> Phase.POLLING;
            case ARCHIVING -> Phase.ARCHIVING;
            default -> Phase.DONE;
        };
    }

    public boolean isDone() {
        return phase() == Phase.DONE;
    }

    /** Time since this process read its record or took it over from the ledger. */
    public Duration age() {
        return Duration.ofNanos(System.nanoTime() - createdAtNanos);
    }

    public boolean isLeaving() {
        return leaving;
    }

    /**
     * True in the short steps a hand-over waits for: a submit on the wire or its job id not yet in the ledger, and an
     * outcome between its decision and its DONE entry. Cut short, the first may pay Whisul twice and the second
     * publishes the outcome again.
     */
    public boolean isMidStep() {
        State now = state;
        return (now == State.SUBMITTING && callInFlight)
                || now == State.ACCEPTED
                || now == State.DECIDED
                || now == State.RECORDED
                || now == State.PUBLISHED;
    }

    /** A job the ledger held as an intent without a job id: its submit may be Whisul's second one. */
    public boolean isResubmittedIntent() {
        return resubmittedIntent;
    }

    /** The offset of its first entry in the ledger partition, -1 until one was written or read. */
    public long firstLedgerOffset() {
        return firstLedgerOffset;
    }

    public synchronized void ledgerOffsetWritten(long offset) {
        if (firstLedgerOffset < 0) {
            firstLedgerOffset = offset;
        }
    }

    public RecordedOutcome recordedOutcome() {
        return recorded;
    }

    /** When the next Whisul call of this job is due; null while it waits for the key or is done. */
    public Instant nextCallAt() {
        return nextCallAt;
    }

    void nextCallAt(Instant due) {
        nextCallAt = due;
    }

    void callStarted() {
        callInFlight = true;
    }

    void callEnded() {
        callInFlight = false;
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

    public PromptEvent event() {
        return event;
    }

    public String requestId() {
        return event.requestId();
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

    /** Its age when a poll last found it running (zero until one did): what a learning schedule knows of it. */
    public Duration lastSeenRunning() {
        return lastSeenRunning;
    }

    public int consecutiveErrors() {
        return consecutiveErrors;
    }

    public String lastError() {
        return lastError;
    }

    /** The decided outcome; after a resume from a recorded outcome only its name is known ({@link #recordedOutcome}). */
    public Outcome outcome() {
        return outcome;
    }

    /** The song as Whisul finished it, while it is archived; null before and in any other path. */
    public SongResult completedSong() {
        return completed;
    }

    public String outcomeName() {
        return outcome != null ? outcome.name() : recorded != null ? recorded.name() : null;
    }

    // ---- bookkeeping of calls, owned by JobPolicy ---------------------------------------------------------------

    void callMade() {
        calls++;
    }

    void pollMade() {
        polls++;
    }

    void answered() {
        consecutiveErrors = 0;
        consecutiveThrottles = 0;
    }

    void transientError(String error) {
        consecutiveErrors++;
        lastError = error;
    }

    /** A 429: the service is too fast, the request is not at fault, so it counts toward no retry limit. */
    void throttled(String error) {
        consecutiveThrottles++;
        lastError = error;
    }

    int consecutiveThrottles() {
        return consecutiveThrottles;
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

    /** Thrown into a job's steps once it is handed over: the step stops, the job goes on elsewhere. */
    public static final class HandedOverException extends RuntimeException {
        public HandedOverException(String requestId) {
            super("request " + requestId + " was handed over to another owner", null, false, false);
        }
    }
}
