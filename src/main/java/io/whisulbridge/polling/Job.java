package io.whisulbridge.polling;

import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;

import java.time.Duration;
import java.time.Instant;

/**
 * One request's journey through Whisul. Small and mutable on purpose: tens of thousands live at once, each touched
 * by one step at a time (its steps run in sequence), and {@link JobPolicy} decides every transition.
 */
public final class Job {

    public enum Phase { SUBMITTING, POLLING, DONE }

    private final PromptEvent event;
    private Phase phase = Phase.SUBMITTING;
    private String jobId;
    private Instant deadline;
    private Duration nextDelay = Duration.ZERO;
    private boolean waitingForKey;
    private int calls;
    private int polls;
    private int consecutiveErrors;
    private String lastError;
    private Outcome outcome;

    public Job(PromptEvent event) {
        this.event = event;
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

    void accepted(String whisulJobId, Instant pollingDeadline, Duration firstPoll) {
        jobId = whisulJobId;
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
}
