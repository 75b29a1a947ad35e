package io.whisulbridge.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.whisulbridge.concurrent.WaitQueue;

/**
 * A non-blocking semaphore: never more than {@code limit} hold a slot. Used twice by {@link SubmitQueue}: for queued
 * prompts (while every slot is taken the consumer's Uni does not complete, so the Kafka connector stops requesting
 * records and pauses the partitions: backpressure, not a buffer) and for jobs in flight. Jobs taken over from the
 * ledger wait at the front of the queue; new ones wait behind them.
 */
public final class Admission {

    private final int limit;
    private final WaitQueue<Void> waiting = new WaitQueue<>(this);
    private int used;
    private int mostAtOnce;

    public Admission(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("max-in-flight must be at least 1, was " + limit);
        }
        this.limit = limit;
    }

    /** A new prompt: waits behind everything already waiting. */
    public Uni<Void> acquire() {
        return acquire(false);
    }

    /** A job taken over from the ledger: waits ahead of new prompts. */
    public Uni<Void> acquireFirst() {
        return acquire(true);
    }

    private Uni<Void> acquire(boolean first) {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (used >= limit || !waiting.isEmpty()) {
                    // a waiter cancelled (e.g. at shutdown) leaves the queue: it is never handed a slot nobody releases
                    if (first) {
                        waiting.addFirst(emitter);
                    } else {
                        waiting.addLast(emitter);
                    }
                    return;
                }
                take();
            }
            emitter.complete(null);
        });
    }

    /** Takes a slot only if one is free and nobody waits for it; never queues. */
    public synchronized boolean tryAcquire() {
        if (used >= limit || !waiting.isEmpty()) {
            return false;
        }
        take();
        return true;
    }

    /** Gives a slot back; the slot goes to the first waiter, which then holds it. */
    public void release() {
        UniEmitter<? super Void> next;
        synchronized (this) {
            if (used <= 0) {
                throw new IllegalStateException("released more slots than were taken");
            }
            used--;
            next = waiting.poll();
            if (next == null) {
                return;
            }
            take();
        }
        next.complete(null);
    }

    private void take() {
        used++;
        mostAtOnce = Math.max(mostAtOnce, used);
    }

    public synchronized int inUse() {
        return used;
    }

    /** The high-water mark since start: the proof that the limit held, takeovers included. */
    public synchronized int mostAtOnce() {
        return mostAtOnce;
    }

    public int limit() {
        return limit;
    }
}
