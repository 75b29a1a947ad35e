package io.whisulbridge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every knob of the service. The root prefix is empty on purpose: the operator interface is a fixed set of
 * environment variables ({@code WHISUL_POLL_INTERVAL}, {@code BRIDGE_MAX_IN_FLIGHT}, ...), and SmallRye maps
 * {@code WHISUL_POLL_INTERVAL} onto {@code whisul.poll-interval} only when the property has exactly that name.
 */
@ConfigMapping(prefix = "")
public interface BridgeConfig {

    Whisul whisul();

    Bridge bridge();

    Webhook webhook();

    Archive archive();

    interface Whisul {
        @WithDefault("https://whisul.com/api")
        String baseUrl();

        /** Absent means the service cannot work; start-up fails with a clear message. */
        Optional<String> apiKey();

        @WithDefault("5s")
        Duration pollInitialDelay();

        @WithDefault("5s")
        Duration pollInterval();

        @WithDefault("10s")
        Duration pollMaxInterval();

        /**
         * {@code backoff}: from the interval growing to the maximum; {@code fixed}: always the interval;
         * {@code adaptive}: learns how long jobs take and polls at the interval only around their likely end. Adaptive
         * is not the default: it wins in a steady stream of 60-180 s jobs, but costs more requests than backoff in a
         * backlog or a wide spread of job lengths, and adds no jitter (BENCHMARKS.md). {@code survival}: learns from
         * every poll answer and makes the fewest polls that keep 95 % of jobs within {@code poll-lag-target}; not the
         * default because under a binding request budget it keeps its lag where backoff finishes more songs.
         */
        @WithDefault("backoff")
        PollScheduleKind pollSchedule();

        /**
         * The detection lag (from a job finishing to the poll that finds it) that the {@code survival} schedule keeps
         * 95 % of jobs within; it makes the fewest polls that do so for the job lengths it has seen.
         */
        @WithDefault("8s")
        Duration pollLagTarget();

        /** Jobs the adaptive schedule must have seen finish before it departs from the backoff schedule. */
        @WithDefault("20")
        int pollAdaptiveMinSamples();

        /** Each poll interval is this many times the previous one, until {@code poll-max-interval}. */
        @WithDefault("1.5")
        double pollBackoffFactor();

        /** Each poll delay moves by up to this share of itself, at random, so jobs do not poll in lockstep. */
        @WithDefault("0.2")
        double pollJitter();

        @WithDefault("10m")
        Duration jobMaxWait();

        /** Whisul answers in milliseconds when healthy; a call this slow is abandoned and retried. */
        @WithDefault("10s")
        Duration requestTimeout();

        /** Consecutive transient errors (5xx, timeouts, resets; a 429 never counts) one job may see before it fails. */
        @WithDefault("8")
        int maxRetries();

        @WithDefault("1s")
        Duration retryInitialBackoff();

        /** Also caps how long a {@code Retry-After} from Whisul is honoured. */
        @WithDefault("30s")
        Duration retryMaxBackoff();

        @WithDefault("100")
        int maxConnections();

        @WithDefault("30s")
        Duration authRecheckInterval();

        /**
         * The account's request budget for the whole consumer group: every call to Whisul (submits, polls, key
         * probes) takes a permit, and each instance spends the share of the prompt partitions it owns (budget x
         * owned / all), nothing while it owns none; calls beyond it wait their turn. Whisul publishes no limit, only
         * "poll every 5 to 10 seconds": 20/s keeps 100 to 200 jobs on that cadence, and each 429 slows every job down
         * (and halves the rate), so starting low is cheaper than finding the limit by hitting it. More jobs than that
         * poll less often rather than fail. Until issue 13 it was per process; now replicas share it.
         */
        @WithDefault("20")
        double maxRequestsPerSecond();

        /**
         * After 429s halved the rate, how long it takes to climb from the floor (1/s) back to
         * {@code max-requests-per-second}; the climb is linear, so a single halving recovers in about half of this.
         */
        @WithDefault("60s")
        Duration rateRecoveryTime();
    }

    enum PollScheduleKind {
        BACKOFF,
        FIXED,
        ADAPTIVE,
        SURVIVAL;

        /** Whether it learns to put a job's first poll off until jobs of its kind tend to end. */
        public boolean defersFirstPoll() {
            return this == ADAPTIVE || this == SURVIVAL;
        }
    }

    interface Bridge {
        @WithDefault("1000")
        int maxInFlight();

        /**
         * Prompts read ahead of Whisul into the per-tenant fair queues (durable in the ledger), apart from the jobs in
         * flight; when it is reached the intake pauses. Fairness between tenants holds within this many prompts.
         */
        @WithDefault("10000")
        int maxQueued();

        /** Tenants' relative shares of submits while several wait, e.g. {@code gold=4,silver=2}; others weigh 1. */
        Optional<String> tenantWeights();

        @WithDefault("2000")
        int maxPromptLength();

        @WithDefault("4096")
        int maxMetadataBytes();

        @WithDefault("whisul-bridge")
        String consumerGroup();

        /**
         * Age after which the throttled commit strategy declares a record stuck and the channel unhealthy. A record
         * legitimately waits for its whole job, so this must exceed the job deadline plus the submit retry budget.
         */
        @WithDefault("2400000")
        long unprocessedRecordMaxAgeMs();

        /** How long an outcome publish is retried after the broker refused it, between attempts. */
        @WithDefault("5s")
        Duration publishRetryBackoff();

        Topics topics();

        Ledger ledger();

        CloudEvents cloudEvents();

        /** Upper bound of the graceful shutdown: stop intake, let submits under way land in the ledger, exit. */
        @WithDefault("30s")
        Duration shutdownTimeout();
    }

    interface Ledger {
        /** Finished request ids kept in memory to turn late duplicates away; the oldest are forgotten first. */
        @WithDefault("100000")
        int rememberedRequests();

        /** How long the ledger topic keeps entries when the service creates it; jobs end long before. */
        @WithDefault("168h")
        Duration retention();
    }

    interface CloudEvents {
        /** CloudEvents binary-mode headers on every outcome; the record value is the same either way. */
        @WithDefault("true")
        boolean enabled();

        /** The events' {@code ce_source}; unset means {@code urn:whisul-bridge:<consumer group>}. */
        Optional<String> source();
    }

    interface Topics {
        @WithDefault(TopicSet.PROMPTS)
        String prompts();

        @WithDefault(TopicSet.SONGS)
        String songs();

        @WithDefault(TopicSet.FAILURES)
        String failures();

        @WithName("dead-letter")
        @WithDefault(TopicSet.DEAD_LETTER)
        String deadLetter();

        @WithDefault(TopicSet.LEDGER)
        String ledger();

        /** Deliveries waiting for their next attempt; one partition per lane of waits (TopicSet#WEBHOOK_RETRY_LANES). */
        @WithName("webhook-retry")
        @WithDefault(TopicSet.WEBHOOK_RETRY)
        String webhookRetry();

        /** Deliveries that used up the schedule, with their last error. */
        @WithName("webhook-exhausted")
        @WithDefault(TopicSet.WEBHOOK_EXHAUSTED)
        String webhookExhausted();
    }

    /**
     * Signed webhooks (Standard Webhooks): each outcome is POSTed to the operator's {@code WEBHOOK_URLS} and to the
     * prompt's {@code callback_url}, by a dispatcher with a consumer group of its own, so receivers never hold up the
     * outcomes on Kafka.
     */
    interface Webhook {
        /** The dispatcher runs when this is true and {@code WEBHOOK_SECRET} is set. */
        @WithDefault("true")
        boolean enabled();

        /** The operator's own subscribers, comma-separated; they get every outcome and skip the host allow-list. */
        Optional<String> urls();

        /** {@code whsec_} + base64, comma-separated during a rotation (each delivery then carries one signature per secret). */
        Optional<String> secret();

        /** Hosts a prompt's {@code callback_url} may name, comma-separated, exact match; empty: no callback_url is accepted. */
        Optional<String> allowedHosts();

        /** Lets deliveries reach loopback, link-local, private, unspecified and multicast addresses. */
        @WithDefault("false")
        boolean allowPrivateNetworks();

        /** Lets deliveries use plain {@code http}; otherwise only {@code https}. */
        @WithDefault("false")
        boolean allowHttp();

        /** The waits before each retry; a delivery failed this many times plus one goes to the exhausted topic. */
        @WithDefault("5s,5m,30m,2h,5h")
        List<Duration> schedule();

        /** Each wait moves by up to this share of itself, at random, so retries of many deliveries spread out. */
        @WithDefault("0.2")
        double jitter();

        /** One attempt, from connecting to the end of the response, takes at most this long. */
        @WithDefault("15s")
        Duration timeout();

        /** Deliveries under way at once per instance; also the records one poll takes. */
        @WithDefault("16")
        int maxInFlight();

        /** Unset: {@code <BRIDGE_CONSUMER_GROUP>-webhooks}. */
        Optional<String> consumerGroup();
    }

    /**
     * Copies of every completed song and cover in an S3-compatible bucket, made before the outcome is published. Off
     * unless {@code ARCHIVE_S3_BUCKET} is set. Credentials come from the AWS SDK's default provider chain
     * ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, web identity, instance profile), never from here.
     */
    interface Archive {
        S3 s3();

        /** Transfers (song or cover, download streamed into upload) at once in this process; the rest wait. */
        @WithDefault("16")
        int maxConcurrent();

        /**
         * From the moment Whisul says completed: if archiving has not succeeded by then, the song is published with
         * {@code archive} null and an {@code archive_error}. Whisul's links expire, so this is also how long a
         * song's outcome may wait for storage that is down.
         */
        @WithDefault("10m")
        Duration deadline();

        /** One attempt at one file, download and upload together; a hung asset host or bucket is abandoned after it. */
        @WithDefault("2m")
        Duration transferTimeout();

        /** Failed transfers are retried from 1 s, doubling up to this, until the deadline. */
        @WithDefault("30s")
        Duration retryMaxBackoff();

        default boolean enabled() {
            return s3().bucket().isPresent();
        }
    }

    interface S3 {
        /** Setting it turns archiving on. */
        Optional<String> bucket();

        /** Empty: AWS's own endpoint for the region. Set it for S3-compatible servers (MinIO, Ceph, S3Mock). */
        Optional<String> endpoint();

        /** Required when a bucket is set (checked at start-up): the SDK must never guess it from the environment. */
        Optional<String> region();

        /** Path-style URLs ({@code endpoint/bucket/key}), which most S3-compatible servers need; AWS prefers virtual hosts. */
        @WithDefault("false")
        boolean pathStyle();

        /** Keys are {@code <prefix>/<request_id>/<job_id>/song.<ext>} and {@code .../cover.<ext>}. */
        @WithDefault("songs")
        String prefix();
    }
}
