package io.whisulbridge.concurrent;

import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Callers waiting for their turn without holding a thread: each waiter is the emitter of a Uni that nobody has
 * completed yet. Its owner decides when turns come (a slot freed, a permit earned, the key accepted), takes the
 * waiters out in order and completes them outside its lock. A waiter whose subscriber goes away (cancelled at
 * shutdown or by a hand-over) leaves the queue at once, so it is never handed a turn that nobody would give back,
 * and nothing stays referenced until its turn would have come.
 *
 * <p>Every method holds the owner's lock, so the owner's "may it go now, else queue it" is one atomic step with the
 * queue, and a waiter cannot leave between the owner's look at the queue and its taking from it.
 */
public final class WaitQueue<T> {

    private final Object lock;
    private final Deque<Waiter<T>> waiting = new ArrayDeque<>();

    /** @param lock the monitor that guards the owner's state (usually the owner itself) */
    public WaitQueue(Object lock) {
        this.lock = lock;
    }

    /** Waits behind everyone already waiting. */
    public void addLast(UniEmitter<? super T> emitter) {
        add(emitter, false);
    }

    /** Waits ahead of everyone already waiting. */
    public void addFirst(UniEmitter<? super T> emitter) {
        add(emitter, true);
    }

    private void add(UniEmitter<? super T> emitter, boolean first) {
        Waiter<T> waiter = new Waiter<>(emitter);
        synchronized (lock) {
            waiter.queued = true;
            if (first) {
                waiting.addFirst(waiter);
            } else {
                waiting.addLast(waiter);
            }
            // after queueing: on an emitter already cancelled, Mutiny runs this at once and the waiter leaves again
            emitter.onTermination(() -> leave(waiter));
        }
    }

    /** The first waiter, out of the queue; null if nobody waits. */
    public UniEmitter<? super T> poll() {
        synchronized (lock) {
            Waiter<T> next = waiting.pollFirst();
            if (next == null) {
                return null;
            }
            next.queued = false;
            return next.emitter;
        }
    }

    /** Every waiter in order, out of the queue. */
    public List<UniEmitter<? super T>> pollAll() {
        synchronized (lock) {
            List<UniEmitter<? super T>> all = new ArrayList<>(waiting.size());
            for (Waiter<T> waiter : waiting) {
                waiter.queued = false;
                all.add(waiter.emitter);
            }
            waiting.clear();
            return all;
        }
    }

    public int size() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    public boolean isEmpty() {
        synchronized (lock) {
            return waiting.isEmpty();
        }
    }

    private void leave(Waiter<T> waiter) {
        synchronized (lock) {
            // a waiter taken out for its turn terminates too (it completes): only a queued one is looked for
            if (waiter.queued) {
                waiter.queued = false;
                waiting.remove(waiter);
            }
        }
    }

    private static final class Waiter<T> {
        final UniEmitter<? super T> emitter;
        boolean queued;

        Waiter(UniEmitter<? super T> emitter) {
            this.emitter = emitter;
        }
    }
}
