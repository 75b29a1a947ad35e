package io.whisulbridge.emulator;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counting happens on the emulator's event loop; snapshots and resets may come from any thread, hence concurrent
 * containers instead of a lock. A reset racing live traffic may keep a count or two from just before it.
 */
final class StatsRecorder {

    private final AtomicReference<Instant> since = new AtomicReference<>(Instant.now());
    private final LongAdder totalRequests = new LongAdder();
    private final ConcurrentHashMap<String, ConcurrentHashMap<Integer, LongAdder>> requests = new ConcurrentHashMap<>();
    private final LongAdder jobsCreated = new LongAdder();
    private final LongAdder jobsCompleted = new LongAdder();
    private final LongAdder jobsFailed = new LongAdder();
    private final LongAdder jobsExpired = new LongAdder();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger peakRunning = new AtomicInteger();
    // Bounded: past the cap new prompts are only counted in untrackedSubmissions, so existing counts stay exact.
    private final ConcurrentHashMap<String, LongAdder> submissionsByPrompt = new ConcurrentHashMap<>();
    private final LongAdder untrackedSubmissions = new LongAdder();
    // Bounded: past the cap the oldest job's poll count is dropped; old jobs are the ones nobody polls any more.
    private final OldestFirst<LongAdder> pollsByJob = new OldestFirst<>();
    // Bounded the same way: past the cap the oldest finish time is dropped.
    private final OldestFirst<Long> finishedAtByJob = new OldestFirst<>();
    private final LongAdder totalPolls = new LongAdder();
    private final LongAdder rateLimitRejections = new LongAdder();
    private final LongAdder injectedRateLimits = new LongAdder();
    private final LongAdder injectedServerErrors = new LongAdder();
    private final LongAdder slowResponses = new LongAdder();
    private final LongAdder assetsRendered = new LongAdder();
    private final PerSecond perSecond = new PerSecond();

    void request(String endpoint, int status) {
        totalRequests.increment();
        requests.computeIfAbsent(endpoint, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(status, k -> new LongAdder())
                .increment();
    }

    void jobCreated(String prompt, int maxEntries) {
        jobsCreated.increment();
        int now = running.incrementAndGet();
        peakRunning.accumulateAndGet(now, Math::max);
        LongAdder counter = submissionsByPrompt.get(prompt);
        if (counter == null && submissionsByPrompt.size() < maxEntries) {
            counter = submissionsByPrompt.computeIfAbsent(prompt, k -> new LongAdder());
        }
        if (counter != null) {
            counter.increment();
        } else {
            untrackedSubmissions.increment();
        }
    }

    void jobFinished(String jobId, long finishedAtMillis, boolean failed, boolean expired, int maxEntries) {
        running.decrementAndGet();
        finishedAtByJob.put(jobId, finishedAtMillis, maxEntries);
        if (expired) {
            jobsExpired.increment();
        } else if (failed) {
            jobsFailed.increment();
        } else {
            jobsCompleted.increment();
        }
    }

    void jobsDiscarded() {
        running.set(0);
    }

    void poll(String jobId, int maxEntries) {
        totalPolls.increment();
        LongAdder counter = pollsByJob.map.get(jobId);
        if (counter == null) {
            counter = new LongAdder();
            pollsByJob.put(jobId, counter, maxEntries);
        }
        counter.increment();
    }

    /** A call to the API arrived ({@code POST /api/generate}, {@code GET /api/jobs/{id}}), whatever its answer. */
    void apiCall() {
        perSecond.request(System.currentTimeMillis());
    }

    void rateLimitRejection() {
        rateLimitRejections.increment();
        perSecond.rateLimited(System.currentTimeMillis());
    }

    void injectedRateLimit() {
        injectedRateLimits.increment();
        perSecond.rateLimited(System.currentTimeMillis());
    }

    void injectedServerError() {
        injectedServerErrors.increment();
    }

    void slowResponse() {
        slowResponses.increment();
    }

    void assetRendered() {
        assetsRendered.increment();
    }

    /** Zeroes counters; the running-job gauge belongs to the live jobs and survives, and the peak restarts from it. */
    void reset() {
        since.set(Instant.now());
        totalRequests.reset();
        requests.clear();
        jobsCreated.reset();
        jobsCompleted.reset();
        jobsFailed.reset();
        jobsExpired.reset();
        peakRunning.set(running.get());
        submissionsByPrompt.clear();
        untrackedSubmissions.reset();
        pollsByJob.clear();
        finishedAtByJob.clear();
        totalPolls.reset();
        rateLimitRejections.reset();
        injectedRateLimits.reset();
        injectedServerErrors.reset();
        slowResponses.reset();
        assetsRendered.reset();
        perSecond.reset();
    }

    EmulatorStats snapshot(int retainedJobs) {
        Map<String, Map<Integer, Long>> req = new HashMap<>();
        requests.forEach((endpoint, byStatus) -> {
            Map<Integer, Long> m = new HashMap<>();
            byStatus.forEach((status, n) -> m.put(status, n.sum()));
            req.put(endpoint, Map.copyOf(m));
        });
        Map<String, Long> prompts = new HashMap<>();
        submissionsByPrompt.forEach((p, n) -> prompts.put(p, n.sum()));
        Map<String, Long> polls = new HashMap<>();
        pollsByJob.map.forEach((j, n) -> polls.put(j, n.sum()));
        return new EmulatorStats(
                since.get(),
                totalRequests.sum(),
                req,
                jobsCreated.sum(),
                jobsCompleted.sum(),
                jobsFailed.sum(),
                jobsExpired.sum(),
                running.get(),
                peakRunning.get(),
                retainedJobs,
                prompts,
                untrackedSubmissions.sum(),
                polls,
                Map.copyOf(finishedAtByJob.map),
                totalPolls.sum(),
                rateLimitRejections.sum(),
                injectedRateLimits.sum(),
                injectedServerErrors.sum(),
                slowResponses.sum(),
                assetsRendered.sum(),
                perSecond.snapshot(System.currentTimeMillis()));
    }

    /** Per-job entries, at most {@code max} of them: past the cap the oldest job's entry is dropped first. */
    private static final class OldestFirst<V> {
        final ConcurrentHashMap<String, V> map = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();

        void put(String jobId, V value, int max) {
            while (size.get() >= max) {
                String oldest = order.poll();
                if (oldest == null) {
                    break;
                }
                size.decrementAndGet();
                map.remove(oldest);
            }
            map.put(jobId, value);
            order.add(jobId);
            size.incrementAndGet();
        }

        void clear() {
            map.clear();
            order.clear();
            size.set(0);
        }
    }
}
