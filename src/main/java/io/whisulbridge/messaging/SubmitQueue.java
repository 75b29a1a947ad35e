package io.whisulbridge.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.whisulbridge.polling.Job;
import io.whisulbridge.tenancy.FairQueue;
import io.whisulbridge.tenancy.TenantWeights;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may submit next. Prompts are read ahead of Whisul into per-tenant queues ({@code maxQueued} slots, durable in
 * the ledger as QUEUED before their records are acknowledged) and leave them in weighted fair order ({@link FairQueue})
 * for one of {@code maxInFlight} slots of jobs Whisul knows. At most {@link #SUBMIT_LANES} jobs submit at once, so
 * the order chosen here is the order in which submits reach the request budget: with every job dealt out at once
 * they would wait there in arrival order, the flood's first.
 *
 * <p>Every job holds one kind of slot at a time, and what it holds is known here, so releasing a job gives back
 * exactly what it held, whatever state it ended in. Jobs taken over from the ledger wait ahead of new ones.
 */
public final class SubmitQueue {

    /**
     * Submits under way at once (waiting for the key, the budget or Whisul's answer). Enough to keep a 20-request/s
     * budget busy at a 500 ms answer time with room to spare; few enough that a quiet tenant's prompt waits behind
     * at most this many of a flood's.
     */
    public static final int SUBMIT_LANES = 16;

    private enum Hold {
        /** A queue slot, the job not queued yet (or not a job yet: a record being read). */
        QUEUE_SLOT,
        /** A queue slot, waiting in its tenant's queue for its turn. */
        WAITING,
        /** An in-flight slot. */
        IN_FLIGHT,
        /** An in-flight slot and a submit lane. */
        SUBMITTING
    }

    private final Admission queueSlots;
    private final Admission inFlightSlots;
    private final FairQueue<Job> fair;
    private final Map<Job, Hold> holds = new IdentityHashMap<>();
    private final Map<Job, UniEmitter<? super Void>> turns = new IdentityHashMap<>();
    private int lanesInUse;

    public SubmitQueue(int maxQueued, int maxInFlight, TenantWeights weights) {
        this.queueSlots = new Admission(maxQueued);
        this.inFlightSlots = new Admission(maxInFlight);
        this.fair = new FairQueue<>(weights::of);
    }

    // ---- intake ------------------------------------------------------------------------------------------------

    /** A queue slot for a record about to be read: completes when one is free. */
    public Uni<Void> admit() {
        return queueSlots.acquire();
    }

    /** The record did not become a job of its own (unreadable, invalid, a duplicate, or its partition left). */
    public void unadmit() {
        queueSlots.release();
    }

    /** The record became {@code job}: its queue slot is the job's now. */
    public synchronized void bind(Job job) {
        holds.put(job, Hold.QUEUE_SLOT);
    }

    /** A job taken over from the ledger: a queue slot if it is still queued, else an in-flight slot, ahead of others. */
    public Uni<Void> admitResumed(Job job) {
        boolean queued = job.state() == Job.State.QUEUED;
        return (queued ? queueSlots.acquireFirst() : inFlightSlots.acquireFirst())
                .invoke(() -> bindResumed(job, queued ? Hold.QUEUE_SLOT : Hold.IN_FLIGHT));
    }

    private synchronized void bindResumed(Job job, Hold hold) {
        holds.put(job, hold);
    }

    // ---- turns -------------------------------------------------------------------------------------------------

    /**
     * Its turn at once, if nothing is queued and a slot and a lane are free: then it needs no QUEUED entry. True
     * also when it has had its turn already (a step tried again).
     */
    public boolean tryTurnNow(Job job) {
        synchronized (this) {
            Hold hold = holds.get(job);
            if (hold == Hold.IN_FLIGHT || hold == Hold.SUBMITTING) {
                return true;
            }
            if (hold != Hold.QUEUE_SLOT || fair.size() > 0 || lanesInUse >= SUBMIT_LANES) {
                return false;
            }
            if (!inFlightSlots.tryAcquire()) {
                return false;
            }
            holds.put(job, Hold.SUBMITTING);
            lanesInUse++;
        }
        queueSlots.release();
        return true;
    }

    /** Completes when {@code job} may submit: its fair turn came, and it holds an in-flight slot and a lane. */
    public Uni<Void> turn(Job job) {
        return Uni.createFrom().emitter(emitter -> {
            boolean now;
            synchronized (this) {
                Hold hold = holds.get(job);
                now = hold == Hold.IN_FLIGHT || hold == Hold.SUBMITTING;
                if (!now) {
                    if (hold == Hold.QUEUE_SLOT) {
                        holds.put(job, Hold.WAITING);
                        fair.add(job.event().tenantOrDefault(), job);
                    }
                    turns.put(job, emitter);
                }
            }
            if (now) {
                emitter.complete(null);
            } else {
                deal();
            }
        });
    }

    /**
     * The job's submit is over (accepted or decided): its lane goes to the next in line. False when it held no lane
     * (a job resumed past the queue, or a step tried again).
     */
    public boolean submitted(Job job) {
        synchronized (this) {
            if (holds.get(job) != Hold.SUBMITTING) {
                return false;
            }
            holds.put(job, Hold.IN_FLIGHT);
            lanesInUse--;
        }
        deal();
        return true;
    }

    /** The job is done or handed over: whatever it holds is given back. False when it held nothing. */
    public boolean release(Job job) {
        Hold hold;
        synchronized (this) {
            hold = holds.remove(job);
            turns.remove(job);
            if (hold == Hold.WAITING) {
                fair.removeIf(queued -> queued == job);
            } else if (hold == Hold.SUBMITTING) {
                lanesInUse--;
            }
        }
        if (hold == null) {
            return false;
        }
        if (hold == Hold.QUEUE_SLOT || hold == Hold.WAITING) {
            queueSlots.release();
        } else {
            inFlightSlots.release();
        }
        deal();
        return true;
    }

    /** Jobs about to be handed over leave their tenants' queues in one pass (then {@link #release} is cheap). */
    public void leave(Set<Job> leaving) {
        synchronized (this) {
            fair.removeIf(leaving::contains);
            leaving.forEach(job -> {
                if (holds.get(job) == Hold.WAITING) {
                    holds.put(job, Hold.QUEUE_SLOT);
                    turns.remove(job);
                }
            });
        }
    }

    /** Hands free slots and lanes to queued jobs in fair order. */
    private void deal() {
        List<UniEmitter<? super Void>> granted = new ArrayList<>();
        List<Job> dealt = new ArrayList<>();
        synchronized (this) {
            while (fair.size() > 0 && lanesInUse < SUBMIT_LANES && inFlightSlots.tryAcquire()) {
                Job next = fair.poll();
                holds.put(next, Hold.SUBMITTING);
                lanesInUse++;
                dealt.add(next);
                UniEmitter<? super Void> emitter = turns.remove(next);
                if (emitter != null) {
                    granted.add(emitter);
                }
            }
        }
        dealt.forEach(job -> queueSlots.release());
        granted.forEach(emitter -> emitter.complete(null));
    }

    // ---- what the metrics and the status API read -------------------------------------------------------------

    public int inFlight() {
        return inFlightSlots.inUse();
    }

    public int mostInFlightAtOnce() {
        return inFlightSlots.mostAtOnce();
    }

    /** Prompts read and not yet submitting: the read-ahead. */
    public int queued() {
        return queueSlots.inUse();
    }

    public synchronized Map<String, Integer> queuedPerTenant() {
        return fair.sizes();
    }
}
