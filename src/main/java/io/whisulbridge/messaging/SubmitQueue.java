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
import java.util.function.IntSupplier;

/**
 * Who may submit next. Prompts are read ahead of Whisul into per-tenant queues ({@code maxQueued} slots, durable in
 * the ledger as QUEUED before their records are acknowledged) and leave them in weighted fair order ({@link FairQueue})
 * for one of {@code maxInFlight} slots of jobs Whisul knows. Only a few jobs at a time are between their turn and the
 * request budget letting their submit out (a submit lane each, see {@link #lanesFor}), so the order chosen here is the
 * order in which submits leave: with every job dealt out at once they would wait at the budget in arrival order, the
 * flood's first.
 *
 * <p>Every job holds one kind of slot at a time, and what it holds is known here, so releasing a job gives back
 * exactly what it held, whatever state it ended in. Jobs taken over from the ledger wait ahead of new ones.
 */
public final class SubmitQueue {

    /** Fewest submit lanes: a dealt job's INTENT entry is written while the one before it waits at the budget. */
    public static final int MIN_LANES = 4;
    /** Lanes per request/s: a quarter of a second of the budget's submits waits dealt, in fair order, no more. */
    static final double LANE_SECONDS = 0.25;

    private enum Hold {
        /** A queue slot, the job not queued yet (or not a job yet: a record being read). */
        QUEUE_SLOT,
        /** A queue slot, waiting in its tenant's queue for its turn. */
        WAITING,
        /** An in-flight slot. */
        IN_FLIGHT,
        /** An in-flight slot and a submit lane, until the budget lets its submit out. */
        SUBMITTING
    }

    private final Admission queueSlots;
    private final Admission inFlightSlots;
    private final FairQueue<Job> fair;
    private final IntSupplier lanes;
    private final Map<Job, Hold> holds = new IdentityHashMap<>();
    private final Map<Job, UniEmitter<? super Void>> turns = new IdentityHashMap<>();
    private int lanesInUse;

    /** @param lanes how many jobs may be between their turn and their submit's permit: see {@link #lanesFor} */
    public SubmitQueue(int maxQueued, int maxInFlight, TenantWeights weights, IntSupplier lanes) {
        this.queueSlots = new Admission(maxQueued);
        this.inFlightSlots = new Admission(maxInFlight);
        this.fair = new FairQueue<>(weights::of, System::nanoTime);
        this.lanes = lanes;
    }

    /**
     * Lanes for a budget letting {@code callsPerSecond} out: a quarter second's worth, at least {@link #MIN_LANES}. So a
     * quiet tenant's prompt waits behind at most that many of a flood's submits (at the shipped 20/s: 5, a quarter
     * of a second), while a large budget is never held back by the lanes.
     */
    public static int lanesFor(double callsPerSecond) {
        return (int) Math.max(MIN_LANES, Math.min(Integer.MAX_VALUE / 2.0, Math.ceil(callsPerSecond * LANE_SECONDS)));
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
        int open = lanes.getAsInt(); // asked outside this lock: it takes the request budget's
        synchronized (this) {
            Hold hold = holds.get(job);
            if (hold == Hold.IN_FLIGHT || hold == Hold.SUBMITTING) {
                return true;
            }
            if (hold != Hold.QUEUE_SLOT || fair.size() > 0 || lanesInUse >= open) {
                return false;
            }
            if (!inFlightSlots.tryAcquire()) {
                return false;
            }
            holds.put(job, Hold.SUBMITTING);
            lanesInUse++;
            fair.charge(job.event().tenantOrDefault());
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
     * The budget let the job's submit out (or its submit is over): its lane goes to the next in line. False when it
     * held no lane (a job resumed past the queue, or a later retry of its submit).
     */
    public boolean permitted(Job job) {
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
        int open = lanes.getAsInt(); // asked outside this lock: it takes the request budget's
        synchronized (this) {
            while (fair.size() > 0 && lanesInUse < open && inFlightSlots.tryAcquire()) {
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
