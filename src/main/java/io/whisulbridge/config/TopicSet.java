package io.whisulbridge.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bridge's seven topics: five for the job lifecycle and two for webhook deliveries. The one place that knows their default names (the configuration's defaults refer to
 * these constants) and how many partitions each gets relative to the others; the local run, the topic setup tool,
 * the tests and the benchmark all build their topics from here.
 */
public record TopicSet(
        String prompts,
        String songs,
        String failures,
        String deadLetter,
        String ledger,
        String webhookRetry,
        String webhookExhausted) {

    public static final String PROMPTS = "song-prompts";
    public static final String SONGS = "songs";
    public static final String FAILURES = "song-failures";
    public static final String DEAD_LETTER = "song-prompts-dlq";
    public static final String LEDGER = "whisul-bridge-jobs";
    public static final String WEBHOOK_RETRY = "whisul-bridge-webhook-retries";
    public static final String WEBHOOK_EXHAUSTED = "whisul-bridge-webhook-exhausted";
    /**
     * Partitions of the retry topic. Each is a lane of deliveries that wait about as long (one step of the schedule),
     * so that a delivery due in 5 s never queues behind one due in 5 h; the default schedule has five steps.
     */
    public static final int WEBHOOK_RETRY_LANES = 5;

    public static final TopicSet DEFAULT =
            new TopicSet(PROMPTS, SONGS, FAILURES, DEAD_LETTER, LEDGER, WEBHOOK_RETRY, WEBHOOK_EXHAUSTED);

    /** The names the bridge reads from its {@code BRIDGE_TOPICS_*} variables, with the same defaults. */
    public static TopicSet fromEnvironment(Map<String, String> env) {
        return new TopicSet(
                named(env, "BRIDGE_TOPICS_PROMPTS", PROMPTS),
                named(env, "BRIDGE_TOPICS_SONGS", SONGS),
                named(env, "BRIDGE_TOPICS_FAILURES", FAILURES),
                named(env, "BRIDGE_TOPICS_DEAD_LETTER", DEAD_LETTER),
                named(env, "BRIDGE_TOPICS_LEDGER", LEDGER),
                named(env, "BRIDGE_TOPICS_WEBHOOK_RETRY", WEBHOOK_RETRY),
                named(env, "BRIDGE_TOPICS_WEBHOOK_EXHAUSTED", WEBHOOK_EXHAUSTED));
    }

    /** The same set under a prefix, so that several runs can share one broker. */
    public TopicSet prefixed(String prefix) {
        return new TopicSet(
                prefix + prompts,
                prefix + songs,
                prefix + failures,
                prefix + deadLetter,
                prefix + ledger,
                prefix + webhookRetry,
                prefix + webhookExhausted);
    }

    /** The variables that point a bridge at this set. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BRIDGE_TOPICS_PROMPTS", prompts);
        env.put("BRIDGE_TOPICS_SONGS", songs);
        env.put("BRIDGE_TOPICS_FAILURES", failures);
        env.put("BRIDGE_TOPICS_DEAD_LETTER", deadLetter);
        env.put("BRIDGE_TOPICS_LEDGER", ledger);
        env.put("BRIDGE_TOPICS_WEBHOOK_RETRY", webhookRetry);
        env.put("BRIDGE_TOPICS_WEBHOOK_EXHAUSTED", webhookExhausted);
        return env;
    }

    public List<String> outcomes() {
        return List.of(songs, failures);
    }

    /**
     * Partitions per topic. The ledger is partitioned like the prompts, because a ledger partition belongs to the
     * instance that owns the prompt partition of the same number; dead letters and exhausted deliveries are rare and
     * need no parallelism; the webhook retry topic has one partition per lane ({@link #WEBHOOK_RETRY_LANES}).
     */
    public Map<String, Integer> partitions(int promptPartitions, int outcomePartitions) {
        Map<String, Integer> partitions = new LinkedHashMap<>();
        partitions.put(prompts, promptPartitions);
        partitions.put(songs, outcomePartitions);
        partitions.put(failures, outcomePartitions);
        partitions.put(deadLetter, 1);
        partitions.put(ledger, promptPartitions);
        partitions.put(webhookRetry, WEBHOOK_RETRY_LANES);
        partitions.put(webhookExhausted, 1);
        return partitions;
    }

    private static String named(Map<String, String> env, String variable, String fallback) {
        String value = env.get(variable);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
