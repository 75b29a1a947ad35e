package io.whisulbridge.fencing;

/**
 * A fenced write was refused: the consumer group moved on (a rebalance, or this process was frozen past its session)
 * or the partition is no longer owned here. Expected around every rebalance; the step is retried, or the job has been
 * handed over and stops.
 */
public final class FencedWriteException extends RuntimeException {

    public FencedWriteException(String message) {
        super(message, null, false, false);
    }
}
