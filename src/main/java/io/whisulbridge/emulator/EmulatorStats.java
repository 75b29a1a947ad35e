package io.whisulbridge.emulator;

import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A point-in-time copy of what the emulator has seen since start or the last reset. Counters are read one by
 * one without a global lock, so under load two fields may be a few requests apart.
 */
public record EmulatorStats(
        Instant since,
        long totalRequests,
        Map<String, Map<Integer, Long>> requestsByEndpoint,
        long jobsCreated,
        long jobsCompleted,
        long jobsFailed,
        long jobsExpired,
        int runningJobs,
        int peakRunningJobs,
        int retainedJobs,
        Map<String, Long> submissionsByPrompt,
        long untrackedSubmissions,
        Map<String, Long> pollsByJob,
        Map<String, Long> finishedAtByJob,
        long totalPolls,
        long rateLimitRejections,
        long injectedRateLimits,
        long injectedServerErrors,
        long slowResponses,
        long assetsRendered,
        Map<Long, Second> apiRequestsBySecond) {

    public static final String GENERATE = "POST /api/generate";
    public static final String JOB = "GET /api/jobs/{id}";
    public static final String AUDIO = "GET /assets/{id}.wav";
    public static final String COVER = "GET /assets/{id}.png";
    public static final String ADMIN = "/_emulator";
    public static final String OTHER = "other";

    public EmulatorStats {
        requestsByEndpoint = Map.copyOf(requestsByEndpoint);
        submissionsByPrompt = Map.copyOf(submissionsByPrompt);
        pollsByJob = Map.copyOf(pollsByJob);
        finishedAtByJob = Map.copyOf(finishedAtByJob);
        apiRequestsBySecond = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(apiRequestsBySecond));
    }

    /**
     * One wall-clock second at the API: calls that arrived ({@code POST /api/generate} and {@code GET /api/jobs/{id}},
     * whatever the answer) and how many of them were answered 429 (the rate limit or an injected one).
     */
    public record Second(long requests, long rateLimited) {}

    /** Accepted submissions (jobs created) for exactly this prompt. */
    public long submissions(String prompt) {
        return submissionsByPrompt.getOrDefault(prompt, 0L);
    }

    /** Authenticated polls of this job, whatever they were answered with. */
    public long polls(String jobId) {
        return pollsByJob.getOrDefault(jobId, 0L);
    }

    /**
     * When this job finished (completed, failed or expired), in epoch milliseconds, to the millisecond: Whisul's own
     * {@code finished_at} has whole seconds. Empty while it runs, or once the stats cap dropped it.
     */
    public OptionalLong finishedAt(String jobId) {
        Long at = finishedAtByJob.get(jobId);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    public long requests(String endpoint, int status) {
        return requestsByEndpoint.getOrDefault(endpoint, Map.of()).getOrDefault(status, 0L);
    }

    public long requests(String endpoint) {
        return requestsByEndpoint.getOrDefault(endpoint, Map.of()).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }
}
