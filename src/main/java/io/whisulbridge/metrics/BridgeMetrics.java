package io.whisulbridge.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import io.whisulbridge.domain.FailureReason;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Every meter of the service, behind methods named for what happened. Meters are registered here at start-up, so
 * each series a dashboard or alert uses is exported (at zero) before the first event: a rate over a series that
 * does not exist yet is "no data", not 0, and alerts cannot tell that apart from a broken scrape.
 * Tags never carry request ids, job ids, prompts or keys: one series per value would grow without bound.
 */
@Startup
@ApplicationScoped
public class BridgeMetrics {

    public static final String PREFIX = "whisul.bridge.";

    public enum Endpoint {
        GENERATE("generate", "202"),
        JOB("job", "200"),
        PROBE("probe", "404");

        final String tag;
        final String usualStatus;

        Endpoint(String tag, String usualStatus) {
            this.tag = tag;
            this.usualStatus = usualStatus;
        }
    }

    public enum Phase {
        SUBMIT,
        POLL
    }

    /** How archiving a completed song ended: both files (or the song, without a cover), one of two, or neither. */
    public enum ArchiveResult {
        ARCHIVED,
        PARTIAL,
        FAILED
    }

    // Jobs take minutes at Whisul (examples: 77 s, 144 s) and at most WHISUL_JOB_MAX_WAIT (10 min) plus retries.
    private static final Duration[] JOB_DURATION_BUCKETS =
            seconds(1, 5, 15, 30, 60, 90, 120, 180, 300, 450, 600, 900, 1800);
    // At the documented 5-10 s cadence a few-minute job takes tens of polls.
    private static final double[] POLL_COUNT_BUCKETS = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144};
    private static final Duration[] REQUEST_BUCKETS = millis(25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000);
    private static final Duration[] BUDGET_WAIT_BUCKETS =
            millis(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000);

    private final MeterRegistry registry;
    private final Counter promptsReceived;
    private final Counter promptsInvalid;
    private final Counter promptsUnreadable;
    private final Counter jobsSubmitted;
    private final Counter completed;
    private final Map<FailureReason, Counter> failed = new EnumMap<>(FailureReason.class);
    private final Timer jobDuration;
    private final DistributionSummary jobPolls;
    private final Counter submitRetries;
    private final Counter pollRetries;
    private final Timer budgetWait;
    private final Timer pollBudgetWait;
    private final AtomicReference<Supplier<? extends Number>> inFlight = new AtomicReference<>(() -> 0);
    private final AtomicReference<Supplier<? extends Number>> inFlightMax = new AtomicReference<>(() -> 0);
    private final AtomicReference<Supplier<? extends Number>> queued = new AtomicReference<>(() -> 0);
    private final Counter internalFailures;
    private final Counter intentsResubmitted;
    private final Map<ArchiveResult, Counter> archiveResults = new EnumMap<>(ArchiveResult.class);
    private final Counter archiveRetries;
    private final Counter archivedBytes;
    private final Counter fencedWritesRefused;
    private final Counter webhookRetries;
    private final Counter webhookExhausted;

    public BridgeMetrics(MeterRegistry registry) {
        this.registry = registry;
        promptsReceived = Counter.builder(PREFIX + "prompts.received")
                .description("Prompt records taken from Kafka")
                .register(registry);
        promptsInvalid = rejected("invalid");
        promptsUnreadable = rejected("unreadable");
        jobsSubmitted = Counter.builder(PREFIX + "jobs.submitted")
                .description("Jobs Whisul accepted (202 to POST /generate)")
                .register(registry);
        completed = outcome("COMPLETED");
        for (FailureReason reason : FailureReason.values()) {
            failed.put(reason, outcome(reason.name()));
        }
        jobDuration = Timer.builder(PREFIX + "job.duration")
                .description("From the submit Whisul accepted to the job's outcome")
                .serviceLevelObjectives(JOB_DURATION_BUCKETS)
                .register(registry);
        jobPolls = DistributionSummary.builder(PREFIX + "job.polls")
                .description("Polls one job took until its outcome")
                .serviceLevelObjectives(POLL_COUNT_BUCKETS)
                .register(registry);
        submitRetries = retries(Phase.SUBMIT);
        pollRetries = retries(Phase.POLL);
        budgetWait = Timer.builder(PREFIX + "budget.wait")
                .description("How long Whisul calls waited for the request budget before going out")
                .serviceLevelObjectives(BUDGET_WAIT_BUCKETS)
                .register(registry);
        pollBudgetWait = Timer.builder(PREFIX + "budget.poll.wait")
                .description("How long polls waited for the request budget: detection lag the budget adds")
                .serviceLevelObjectives(BUDGET_WAIT_BUCKETS)
                .register(registry);
        for (Endpoint endpoint : Endpoint.values()) {
            whisulRequestTimer(endpoint, endpoint.usualStatus);
            whisulRequestTimer(endpoint, "429");
        }
        Gauge.builder(
                        PREFIX + "jobs.in.flight",
                        inFlight,
                        current -> current.get().get().doubleValue())
                .description("Jobs holding an in-flight slot, resumed ones included (bounded by BRIDGE_MAX_IN_FLIGHT)")
                .strongReference(true)
                .register(registry);
        Gauge.builder(
                        PREFIX + "jobs.in.flight.max",
                        inFlightMax,
                        current -> current.get().get().doubleValue())
                .description(
                        "The most jobs that held an in-flight slot at once since start (never above BRIDGE_MAX_IN_FLIGHT)")
                .strongReference(true)
                .register(registry);
        Gauge.builder(
                        PREFIX + "prompts.queued",
                        queued,
                        current -> current.get().get().doubleValue())
                .description("Prompts read and waiting for their fair turn to submit (bounded by BRIDGE_MAX_QUEUED)")
                .strongReference(true)
                .register(registry);
        internalFailures = Counter.builder(PREFIX + "internal.failures")
                .description(
                        "Unexpected failures while handling a record or a job; the step is retried, nothing is dead-lettered")
                .register(registry);
        fencedWritesRefused = Counter.builder(PREFIX + "fenced.writes.refused")
                .description(
                        "Ledger entries, outcomes and submit gates refused because the consumer group moved on or the partition left")
                .register(registry);
        for (ArchiveResult result : ArchiveResult.values()) {
            archiveResults.put(
                    result,
                    Counter.builder(PREFIX + "archive.songs")
                            .description(
                                    "Completed songs by what archiving achieved before the outcome was decided; partial "
                                            + "and failed ones are published with an archive_error")
                            .tag("result", result.name().toLowerCase(Locale.ROOT))
                            .register(registry));
        }
        archiveRetries = Counter.builder(PREFIX + "archive.transfer.retries")
                .description("Transfers to the archive bucket that failed and were tried again (asset host or bucket "
                        + "trouble)")
                .register(registry);
        archivedBytes = Counter.builder(PREFIX + "archive.bytes")
                .description("Bytes copied into the archive bucket")
                .baseUnit("bytes")
                .register(registry);
        intentsResubmitted = Counter.builder(PREFIX + "intents.resubmitted")
                .description(
                        "Jobs resumed from a ledger intent without a job id and submitted again (only after a crash or an abandoned submit)")
                .register(registry);
        webhookDeliveryCounter("delivered", "2xx");
        webhookDeliveryCounter("gone", "4xx");
        for (String statusClass : List.of("3xx", "4xx", "5xx", "none")) {
            webhookDeliveryCounter("failed", statusClass);
        }
        for (String reason : WEBHOOK_REFUSAL_REASONS) {
            webhookRefusedCounter(reason);
        }
        webhookRetries = Counter.builder(PREFIX + "webhook.retries")
                .description("Failed webhook deliveries scheduled for another attempt on the retry topic")
                .register(registry);
        webhookExhausted = Counter.builder(PREFIX + "webhook.exhausted")
                .description("Webhook deliveries that used up WEBHOOK_SCHEDULE, sent to the exhausted topic")
                .register(registry);
    }

    /** The reasons a webhook delivery is refused before connecting (DeliveryRules.Reason tags). */
    public static final List<String> WEBHOOK_REFUSAL_REASONS =
            List.of("scheme", "host_not_allowed", "address", "unresolved");

    /**
     * One webhook attempt ended: {@code result} {@code delivered} (2xx), {@code gone} (410: no more retries) or
     * {@code failed}; {@code statusClass} {@code 2xx}..{@code 5xx}, or {@code none} when no response came.
     */
    public void webhookAttempt(String result, String statusClass) {
        webhookDeliveryCounter(result, statusClass).increment();
    }

    /** A webhook delivery refused before connecting (scheme, host allow-list, resolved address): never retried. */
    public void webhookRefused(String reason) {
        webhookRefusedCounter(reason).increment();
    }

    public void webhookRetryScheduled() {
        webhookRetries.increment();
    }

    public void webhookExhausted() {
        webhookExhausted.increment();
    }

    private Counter webhookDeliveryCounter(String result, String statusClass) {
        return Counter.builder(PREFIX + "webhook.deliveries")
                .tags("result", result, "status_class", statusClass)
                .description("Webhook delivery attempts, by result and HTTP status class")
                .register(registry);
    }

    private Counter webhookRefusedCounter(String reason) {
        return Counter.builder(PREFIX + "webhook.refused")
                .tag("reason", reason)
                .description("Webhook deliveries refused before connecting, by reason")
                .register(registry);
    }

    public void promptReceived() {
        promptsReceived.increment();
    }

    /** Valid JSON that breaks the prompt contract: answered with an INVALID_PROMPT failure. */
    public void promptInvalid() {
        promptsInvalid.increment();
    }

    /** Not a prompt event at all: sent to the dead-letter topic. */
    public void promptUnreadable() {
        promptsUnreadable.increment();
    }

    public void jobSubmitted() {
        jobsSubmitted.increment();
    }

    /** Counts an outcome event once the broker has it, by its name ({@code COMPLETED} or a failure reason). */
    public void outcomePublished(String outcome) {
        if ("COMPLETED".equals(outcome)) {
            completed.increment();
        } else {
            failed.get(FailureReason.valueOf(outcome)).increment();
        }
    }

    /**
     * A bug or an unexpected exception while handling a record or a job: nothing is acknowledged or dead-lettered for
     * it; the step is retried with backoff. Any increase needs a look at the ERROR log.
     */
    public void internalFailure() {
        internalFailures.increment();
    }

    /** A fenced write refused (a rebalance, a frozen process, a partition gone): the step is retried or stops. */
    public void fencedWriteRefused() {
        fencedWritesRefused.increment();
    }

    /** A job the ledger held as an intent without a job id, submitted again: Whisul may have had it once already. */
    public void intentResubmitted() {
        intentsResubmitted.increment();
    }

    /**
     * A job Whisul accepted has its outcome: {@code sinceAccepted} from the 202 (across restarts, for a job the ledger
     * resumed), after {@code polls} answered polls.
     */
    public void jobFinished(Duration sinceAccepted, int polls) {
        jobDuration.record(sinceAccepted);
        jobPolls.record(polls);
    }

    public void songArchived(ArchiveResult result) {
        archiveResults.get(result).increment();
    }

    public void archiveTransferRetried() {
        archiveRetries.increment();
    }

    public void archiveBytes(long bytes) {
        archivedBytes.increment(bytes);
    }

    /** A transient error (429, 5xx, timeout, reset) that the job will retry. */
    public void retried(Phase phase) {
        (phase == Phase.SUBMIT ? submitRetries : pollRetries).increment();
    }

    /** Per-tenant meters over the fair queue's contents (see {@link TenantMetrics} for the bound on tenants). */
    public TenantMetrics tenants(Supplier<Map<String, Integer>> queuedPerTenant) {
        return new TenantMetrics(registry, queuedPerTenant);
    }

    public void registerQueued(Supplier<? extends Number> promptsQueued, int limit) {
        queued.set(promptsQueued);
        Gauge.builder(PREFIX + "prompts.queued.limit", () -> limit)
                .description("BRIDGE_MAX_QUEUED: prompts read ahead into the fair queues before the intake pauses")
                .register(registry);
    }

    public void registerInFlight(Supplier<? extends Number> jobsInFlight, Supplier<? extends Number> mostAtOnce) {
        inFlight.set(jobsInFlight);
        inFlightMax.set(mostAtOnce);
    }

    /** {@code status} is the HTTP status, or {@code error} / {@code timeout} when no response came. */
    public void whisulRequest(Endpoint endpoint, String status, Duration elapsed) {
        whisulRequestTimer(endpoint, status).record(elapsed);
    }

    public void budgetWaited(Duration waited) {
        budgetWait.record(waited);
    }

    public void pollBudgetWaited(Duration waited) {
        pollBudgetWait.record(waited);
    }

    public void registerBudget(
            DoubleSupplier effectiveRate, double limit, DoubleSupplier share, IntSupplier waitingCalls) {
        Gauge.builder(PREFIX + "budget.rate", effectiveRate, DoubleSupplier::getAsDouble)
                .description("Whisul calls per second this instance currently lets through: its share of the "
                        + "budget, lowered after 429s; 0 while it owns no prompt partition")
                .strongReference(true)
                .register(registry);
        Gauge.builder(PREFIX + "budget.limit", () -> limit)
                .description("WHISUL_MAX_REQUESTS_PER_SECOND: the account's budget, shared by the consumer group")
                .register(registry);
        Gauge.builder(PREFIX + "budget.share", share, DoubleSupplier::getAsDouble)
                .description("This instance's share of the budget: prompt partitions owned here over all of them")
                .strongReference(true)
                .register(registry);
        Gauge.builder(PREFIX + "budget.waiting", waitingCalls, supplier -> supplier.getAsInt())
                .description("Whisul calls queued for the request budget right now")
                .strongReference(true)
                .register(registry);
    }

    /** 1 while the readiness check is UP, 0 while it is DOWN. */
    void registerReadiness(DoubleSupplier ready) {
        Gauge.builder(PREFIX + "ready", ready, DoubleSupplier::getAsDouble)
                .description("1 while /q/health/ready is UP (Kafka, channels, Whisul API key), else 0")
                .strongReference(true)
                .register(registry);
    }

    private Counter rejected(String reason) {
        return Counter.builder(PREFIX + "prompts.rejected")
                .tag("reason", reason)
                .description("Prompt records refused before reaching Whisul")
                .register(registry);
    }

    private Counter outcome(String reason) {
        return Counter.builder(PREFIX + "outcomes")
                .tag("reason", reason)
                .description("Outcome events published, by reason")
                .register(registry);
    }

    private Counter retries(Phase phase) {
        return Counter.builder(PREFIX + "retries")
                .tag("phase", phase.name().toLowerCase(Locale.ROOT))
                .description("Whisul calls retried after a transient error")
                .register(registry);
    }

    private Timer whisulRequestTimer(Endpoint endpoint, String status) {
        return Timer.builder(PREFIX + "whisul.requests")
                .tags("endpoint", endpoint.tag, "status", status)
                .description("Calls to the Whisul API, by endpoint and HTTP status (error/timeout: no response)")
                .serviceLevelObjectives(REQUEST_BUCKETS)
                .register(registry);
    }

    private static Duration[] seconds(long... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofSeconds(values[i]);
        }
        return out;
    }

    private static Duration[] millis(long... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofMillis(values[i]);
        }
        return out;
    }
}
