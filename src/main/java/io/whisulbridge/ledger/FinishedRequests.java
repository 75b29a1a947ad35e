package io.whisulbridge.ledger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request ids whose outcome is published, so that a late duplicate is not paid for again. Bounded: the oldest are
 * forgotten first; a duplicate older than that falls back to being a new request (see README, Guarantees).
 */
public final class FinishedRequests {

    private final Map<String, Boolean> ids;

    public FinishedRequests(int capacity) {
        this.ids = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void remember(String requestId) {
        ids.put(requestId, Boolean.TRUE);
    }

    public synchronized boolean contains(String requestId) {
        return ids.containsKey(requestId);
    }

    public synchronized int size() {
        return ids.size();
    }
}
