package io.whisulbridge.ledger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Requests whose outcome is published, so that a late duplicate is not paid for again and the status API can say
 * how a request ended. Bounded: the oldest are forgotten first; a duplicate older than that falls back to being a
 * new request (see README, Guarantees).
 */
public final class FinishedRequests {

    /** How a request ended: {@code COMPLETED} or a failure reason. */
    public record Finished(String requestId, String jobId, String outcome, Instant finishedAt) {}

    private final Map<String, Finished> finished;

    public FinishedRequests(int capacity) {
        this.finished = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Finished> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void remember(Finished request) {
        finished.put(request.requestId(), request);
    }

    public synchronized boolean contains(String requestId) {
        return finished.containsKey(requestId);
    }

    public synchronized Optional<Finished> get(String requestId) {
        return Optional.ofNullable(finished.get(requestId));
    }

    public synchronized int size() {
        return finished.size();
    }
}
