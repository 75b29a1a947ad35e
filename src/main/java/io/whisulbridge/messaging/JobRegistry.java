package io.whisulbridge.messaging;

import io.smallrye.mutiny.Uni;
import io.whisulbridge.polling.Job;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs in flight in this process and the prompt partitions it owns. A partition is assigned first and owned
 * only once its ledger was read to the end: until then its records wait ({@link #awaitOwned}), so no record of it
 * is processed against a partial picture of its jobs.
 */
final class JobRegistry {

    /** Jobs by partition and request id: a duplicate on another partition belongs to that partition's owner. */
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    /** Assigned partitions; each future completes with true once the partition is owned, false once it leaves. */
    private final Map<Integer, CompletableFuture<Boolean>> partitions = new ConcurrentHashMap<>();
    /** Partitions whose fenced writes are allowed: from assignment until their jobs are handed over. */
    private final java.util.Set<Integer> writable = ConcurrentHashMap.newKeySet();

    /** Assigned, its ledger not read yet. Returns a token naming this assignment, or null when assigned already. */
    Object markAssigned(int partition) {
        CompletableFuture<Boolean> gate = new CompletableFuture<>();
        if (partitions.putIfAbsent(partition, gate) != null) {
            return null;
        }
        writable.add(partition);
        return gate;
    }

    /** Its ledger is read and its open jobs are registered: its records may flow. */
    void markOwned(int partition) {
        CompletableFuture<Boolean> gate = partitions.get(partition);
        if (gate != null) {
            gate.complete(true);
        }
    }

    /** Its jobs may still write: assigned here, and not yet handed over. */
    boolean holds(int partition) {
        return writable.contains(partition);
    }

    /** The hand-over is done: nothing of these partitions may be written from here any more. */
    void markGone(Collection<Integer> gone) {
        writable.removeAll(gone);
    }

    boolean isAssigned(int partition, Object token) {
        return token != null && partitions.get(partition) == token;
    }

    boolean isOwned(int partition) {
        CompletableFuture<Boolean> gate = partitions.get(partition);
        return gate != null && gate.getNow(false);
    }

    /** True once the partition is owned, false if it is not (or no longer) assigned here. */
    Uni<Boolean> awaitOwned(int partition) {
        CompletableFuture<Boolean> gate = partitions.get(partition);
        return gate == null ? Uni.createFrom().item(false) : Uni.createFrom().completionStage(gate::copy);
    }

    /** The partitions leave: their intake closes and their jobs are returned, told to start no call. */
    List<Job> markLeaving(Collection<Integer> leaving) {
        leaving.forEach(partition -> {
            CompletableFuture<Boolean> gate = partitions.remove(partition);
            if (gate != null) {
                gate.complete(false);
            }
        });
        List<Job> handedOver = jobs.values().stream()
                .filter(job -> leaving.contains(job.partition()))
                .toList();
        handedOver.forEach(Job::markLeaving);
        return handedOver;
    }

    Collection<Integer> assignedPartitions() {
        return List.copyOf(partitions.keySet());
    }

    /** Registers a job unless one for the same request runs on the same partition; returns that one then. */
    Optional<Job> addUnlessRunning(Job job) {
        return Optional.ofNullable(jobs.putIfAbsent(key(job.partition(), job.requestId()), job));
    }

    /** True only for the caller that removed it: each job gives its slot back exactly once. */
    boolean remove(Job job) {
        return jobs.remove(key(job.partition(), job.requestId()), job);
    }

    Optional<Job> running(String requestId) {
        return jobs.values().stream()
                .filter(job -> job.requestId().equals(requestId))
                .findFirst();
    }

    Collection<Job> jobs() {
        return jobs.values();
    }

    List<Job> running() {
        return jobs.values().stream()
                .sorted(Comparator.comparing(Job::requestId))
                .toList();
    }

    private static String key(int partition, String requestId) {
        return partition + "/" + requestId;
    }
}
