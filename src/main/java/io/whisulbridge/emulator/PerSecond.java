package io.whisulbridge.emulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * API calls and 429 answers per wall-clock second, for the last {@link #SECONDS} seconds: a ring of one slot per
 * second, so it stays the same size however long the emulator runs. One writer (the emulator's event loop); readers
 * on any thread may see a second's count a request or two short while it is still being counted.
 */
final class PerSecond {

    /** An hour: longer than any test or benchmark phase looks back. */
    static final int SECONDS = 3600;

    private final AtomicLongArray second = new AtomicLongArray(SECONDS);
    private final AtomicLongArray requests = new AtomicLongArray(SECONDS);
    private final AtomicLongArray rateLimited = new AtomicLongArray(SECONDS);

    void request(long epochMillis) {
        requests.incrementAndGet(slot(epochMillis / 1000));
    }

    void rateLimited(long epochMillis) {
        rateLimited.incrementAndGet(slot(epochMillis / 1000));
    }

    /** The slot of {@code epochSecond}, emptied first if it still holds a second from an hour ago. */
    private int slot(long epochSecond) {
        int slot = (int) Math.floorMod(epochSecond, (long) SECONDS);
        if (second.get(slot) != epochSecond) {
            requests.set(slot, 0);
            rateLimited.set(slot, 0);
            second.set(slot, epochSecond);
        }
        return slot;
    }

    void reset() {
        for (int slot = 0; slot < SECONDS; slot++) {
            second.set(slot, 0);
            requests.set(slot, 0);
            rateLimited.set(slot, 0);
        }
    }

    /** The seconds of the last hour (up to {@code nowMillis}) that saw an API call, oldest first. */
    Map<Long, EmulatorStats.Second> snapshot(long nowMillis) {
        long now = nowMillis / 1000;
        Map<Long, EmulatorStats.Second> seconds = new TreeMap<>();
        for (int slot = 0; slot < SECONDS; slot++) {
            long at = second.get(slot);
            long count = requests.get(slot);
            if (at > now - SECONDS && at <= now && count > 0) {
                seconds.put(at, new EmulatorStats.Second(count, rateLimited.get(slot)));
            }
        }
        return seconds;
    }
}
