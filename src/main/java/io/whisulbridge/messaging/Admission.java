package io.whisulbridge.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A non-blocking semaphore over unacknowledged prompt records. While every slot is taken, the consumer's Uni does
 * not complete, so the Kafka connector stops requesting records and pauses the partitions: backpressure, not a
 * buffer.
 */
public final class Admission {

    private final int limit;
    private final Deque<UniEmitter<? super Void>> waiting = new ArrayDeque<>();
    private int used;

    public Admission(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("max-in-flight must be at least 1, was " + limit);
        }
        this.limit = limit;
    }

    public Uni<Void> acquire() {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (used >= limit) {
                    waiting.add(emitter);
                    // a waiter cancelled (e.g. at shutdown) must not be handed a slot nobody will release
                    emitter.onTermination(() -> forget(emitter));
                    return;
                }
                used++;
            }
            emitter.complete(null);
        });
    }

    /** For jobs taken over from the ledger: they exist already, so they count even beyond the limit. */
    public synchronized void acquireNow() {
        used++;
    }

    public void release() {
        UniEmitter<? super Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                used--;
                return;
            }
        }
        next.complete(null);
    }

    private synchronized void forget(UniEmitter<? super Void> emitter) {
        waiting.remove(emitter);
    }

    public synchronized int inUse() {
        return used;
    }

    public int limit() {
        return limit;
    }
}
