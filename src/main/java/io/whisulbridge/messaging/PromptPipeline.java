package io.whisulbridge.messaging;

import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.vertx.mutiny.core.Vertx;
import io.whisulbridge.archive.SongArchiver;
import io.whisulbridge.client.ApiKeyGate;
import io.whisulbridge.client.RequestBudget;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.Channels;
import io.whisulbridge.config.ConfigChecks;
import io.whisulbridge.domain.FailureReason;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.domain.SongFailure;
import io.whisulbridge.fencing.FencedWriteException;
import io.whisulbridge.fencing.FencedWriter;
import io.whisulbridge.ledger.FinishedRequests;
import io.whisulbridge.ledger.JobLedger;
import io.whisulbridge.metrics.BridgeMetrics;
import io.whisulbridge.metrics.TenantMetrics;
import io.whisulbridge.polling.Job;
import io.whisulbridge.polling.JobDriver;
import io.whisulbridge.polling.JobLog;
import io.whisulbridge.polling.JobTracing;
import io.whisulbridge.tenancy.TenantWeights;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The bridge: prompt records in, one job each, one outcome out. {@link #onPrompt} admits a record; {@link #step}
 * is the spine of a job, one durable step per state of {@link Job}; {@link #settle} is the one place that decides
 * what becomes of a record.
 * <p>
 * An {@code @Incoming} method returning a Uni gets the next record only when that Uni completes, so
 * {@link #onPrompt} completes as soon as the record is <em>admitted</em> and lets its job run on by itself.
 * Admission waits for a working API key, for the partition's ledger to be read, and for a free in-flight slot: that
 * is the backpressure on Kafka.
 */
@Startup // fail at start-up, not at the first record, when the configuration cannot work
@ApplicationScoped
public class PromptPipeline {

    private static final Logger LOG = Logger.getLogger(PromptPipeline.class);
    private static final Duration INTERNAL_RETRY_MIN = Duration.ofSeconds(1);
    private static final Duration INTERNAL_RETRY_MAX = Duration.ofSeconds(30);
    private static final Duration TENANT_METRICS_EVERY = Duration.ofSeconds(15);
    /** Test-only fault injection: halt the process right after the n-th outcome reaches the broker. */
    static final String HALT_AFTER_PUBLISH = "whisul-bridge.test.halt-after-publish";

    private final JobDriver jobs;
    private final SongArchiver archiver;
    private final OutcomePublisher outcomes;
    private final JobLedger ledger;
    private final JobTracing tracing;
    private final BridgeMetrics metrics;
    private final ApiKeyGate keyGate;
    private final PromptParser parser;
    private final SubmitQueue queue;
    private final FinishedRequests finished;
    private final TenantMetrics tenants;
    private final JobRegistry registry = new JobRegistry();
    private final int haltAfterPublish = Integer.getInteger(HALT_AFTER_PUBLISH, 0);
    private final AtomicInteger published = new AtomicInteger();
    private volatile boolean closing;

    public PromptPipeline(
            JobDriver jobs,
            SongArchiver archiver,
            OutcomePublisher outcomes,
            JobLedger ledger,
            JobTracing tracing,
            ApiKeyGate keyGate,
            BridgeMetrics metrics,
            FencedWriter writer,
            Vertx vertx,
            RequestBudget budget,
            BridgeConfig config) {
        ConfigChecks.requireValid(config);
        this.jobs = jobs;
        this.archiver = archiver;
        this.outcomes = outcomes;
        this.ledger = ledger;
        this.tracing = tracing;
        this.keyGate = keyGate;
        this.metrics = metrics;
        this.parser = new PromptParser(
                config.bridge().maxPromptLength(), config.bridge().maxMetadataBytes());
        this.queue = new SubmitQueue(
                config.bridge().maxQueued(),
                config.bridge().maxInFlight(),
                TenantWeights.parse(config.bridge().tenantWeights().orElse("")),
                () -> SubmitQueue.lanesFor(budget.currentRate()));
        this.finished = new FinishedRequests(config.bridge().ledger().rememberedRequests());
        metrics.registerInFlight(queue::inFlight, queue::mostInFlightAtOnce);
        metrics.registerQueued(queue::queued, config.bridge().maxQueued());
        this.tenants = metrics.tenants(queue::queuedPerTenant);
        vertx.setPeriodic(TENANT_METRICS_EVERY.toMillis(), tick -> tenants.refresh());
        writer.ownership(registry::holds);
    }

    // ---- intake -------------------------------------------------------------------------------------------------

    @Incoming(Channels.PROMPTS)
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> onPrompt(Message<byte[]> record) {
        if (closing) {
            return Uni.createFrom().nothing(); // shutting down: hold the intake, the record is redelivered elsewhere
        }
        int partition = partitionOf(record);
        return keyGate.awaitValidKey()
                .chain(() -> registry.awaitOwned(partition)) // fail closed: nothing of p before p's ledger is read
                .chain(owned -> owned
                        ? queue.admit().replaceWith(true)
                        : Uni.createFrom().item(false))
                .invoke(admitted -> {
                    if (!admitted) {
                        return; // p left before its ledger was read: its next owner reads this record again
                    }
                    if (closing || !registry.isOwned(partition)) {
                        queue.unadmit(); // p left while this record waited for a slot
                        return;
                    }
                    retriedOnInternalFailure(() -> intake(record), "prompt record at " + where(record))
                            .subscribe()
                            .with(done -> {}, failure -> {});
                })
                .replaceWithVoid();
    }

    /** A parsed record: dead-lettered, answered as invalid, or the start of (or a duplicate of) a job. */
    private Uni<Void> intake(Message<byte[]> record) {
        ParsedPrompt parsed = parse(record);
        metrics.promptReceived();
        if (parsed instanceof ParsedPrompt.Unreadable unreadable) {
            metrics.promptUnreadable();
            return deadLetter(record, unreadable).eventually(queue::unadmit);
        }
        if (parsed instanceof ParsedPrompt.Invalid invalid) {
            metrics.promptInvalid();
            LOG.infof("request %s: invalid prompt: %s", invalid.requestId(), invalid.error());
            return outcomes.publish(partitionOf(record), invalidPrompt(invalid), invalid.traceparent())
                    .chain(() -> settle(record, Job.RecordFate.ACK))
                    .eventually(queue::unadmit);
        }
        return startOrJoin(record, ((ParsedPrompt.Valid) parsed).event());
    }

    /** One job per request id and partition: a new request starts one, a duplicate joins it or is already done. */
    private Uni<Void> startOrJoin(Message<byte[]> record, PromptEvent event) {
        if (finished.contains(event.requestId())) {
            LOG.infof("request %s already has its outcome; not submitting it again", event.requestId());
            return settle(record, Job.RecordFate.ACK).eventually(queue::unadmit);
        }
        Job job = new Job(event, partitionOf(record));
        Optional<Job> running = registry.addUnlessRunning(job);
        if (running.isPresent()) {
            LOG.infof("request %s is already in flight; this record shares its fate", event.requestId());
            return running.get()
                    .recordFate()
                    .chain(fate -> settle(record, fate))
                    .eventually(queue::unadmit);
        }
        queue.bind(job);
        tenants.queued(event.tenantOrDefault());
        run(job); // the job now owns the slot, so a failure from here on must not be retried as a new intake
        return job.recordFate()
                .chain(fate -> settle(record, fate))
                .onFailure()
                .invoke(failure -> {
                    metrics.internalFailure();
                    LOG.errorf(
                            failure,
                            "request %s: acknowledging its record failed; it stays unacknowledged",
                            event.requestId());
                })
                .onFailure()
                .recoverWithNull();
    }

    /** What becomes of a prompt record is carried out here and nowhere else. */
    private Uni<Void> settle(Message<byte[]> record, Job.RecordFate fate) {
        if (fate == Job.RecordFate.REDELIVER) {
            LOG.debugf("record %s is left unacknowledged: its partition's next owner reads it again", where(record));
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().completionStage(record::ack);
    }

    // ---- the spine of a job -------------------------------------------------------------------------------------

    private void run(Job job) {
        tracing.start(job);
        job.runningAs(retriedOnInternalFailure(() -> advance(job), "request " + job.requestId())
                .subscribe()
                .with(done -> {}, failure -> {}));
    }

    /** Step after step until the job is done or handed over; each step resumes from the state the last one left. */
    private Uni<Void> advance(Job job) {
        return step(job).chain(() -> job.state().isTerminal() ? Uni.createFrom().voidItem() : advance(job));
    }

    /** Each state's one step: durable facts go to the ledger before the action they protect. */
    private Uni<Void> step(Job job) {
        return switch (job.state()) {
            case ADMITTED ->
                queue.tryTurnNow(job)
                        ? recordIntent(job)
                        : ledger.recordQueued(job).invoke(job::queueRecorded);
            case QUEUED -> queue.turn(job).invoke(job::dequeued);
            case DEQUEUED -> recordIntent(job);
            case SUBMITTING ->
                jobs.submit(job, () -> queue.permitted(job))
                        .invoke(() -> submitted(job))
                        .replaceWithVoid();
            case ACCEPTED -> ledger.recordSubmitted(job).invoke(job::acceptanceRecorded);
            case POLLING -> jobs.pollUntilDone(job).replaceWithVoid();
            case ARCHIVING -> archiver.archive(job).invoke(job::archived).replaceWithVoid();
            case DECIDED -> recordOutcome(job);
            case RECORDED ->
                outcomes.publish(job.partition(), job.requestId(), job.recordedOutcome())
                        .invoke(() -> published(job));
            case PUBLISHED -> ledger.recordDone(job).invoke(() -> finish(job));
            case DONE, HANDED_OVER -> Uni.createFrom().voidItem();
        };
    }

    private void submitted(Job job) {
        queue.permitted(job); // a submit decided without a permit (the job left) gives its lane back here
        tenants.submitted(job.event().tenantOrDefault(), job.age());
    }

    private Uni<Void> recordIntent(Job job) {
        return ledger.recordIntent(job).invoke(job::intentRecorded);
    }

    private Uni<Void> recordOutcome(Job job) {
        Job.RecordedOutcome frozen = outcomes.freeze(job.outcome(), tracing.traceparent(job));
        return ledger.recordDecided(job, frozen).invoke(() -> job.outcomeRecorded(frozen));
    }

    private void published(Job job) {
        job.published();
        if (haltAfterPublish > 0 && published.incrementAndGet() == haltAfterPublish) {
            LOG.errorf(
                    "test fault injection (%s): halting after publishing the outcome of request %s",
                    HALT_AFTER_PUBLISH, job.requestId());
            Runtime.getRuntime().halt(137);
        }
    }

    private void finish(Job job) {
        job.doneRecorded();
        if (job.acceptedAt() != null) {
            metrics.jobFinished(Duration.between(job.acceptedAt(), Instant.now()), job.polls());
        }
        String outcome = job.outcomeName();
        tenants.completed(job.event().tenantOrDefault());
        finished.remember(new FinishedRequests.Finished(job.requestId(), job.jobId(), outcome, Instant.now()));
        JobLog.info(job, "done: %s after %d call(s) to Whisul", outcome, job.calls());
        tracing.end(job, outcome);
        releaseSlot(job);
    }

    /**
     * A bug or an unexpected exception never acknowledges or dead-letters anything: it is logged at ERROR, counted,
     * and the work is tried again with backoff from where it stands. A hand-over ends it quietly.
     */
    private Uni<Void> retriedOnInternalFailure(Supplier<Uni<Void>> work, String what) {
        return Uni.createFrom()
                .deferred(work::get)
                .onFailure(PromptPipeline::isInternal)
                .invoke(failure -> {
                    if (failure instanceof FencedWriteException fenced) {
                        metrics.fencedWriteRefused();
                        LOG.infof("%s: %s", what, fenced.getMessage());
                        return;
                    }
                    metrics.internalFailure();
                    LOG.errorf(
                            failure,
                            "%s: unexpected failure; nothing is acknowledged or dead-lettered for it, "
                                    + "retrying with backoff",
                            what);
                })
                .onFailure(PromptPipeline::isInternal)
                .retry()
                .withBackOff(INTERNAL_RETRY_MIN, INTERNAL_RETRY_MAX)
                .indefinitely();
    }

    private static boolean isInternal(Throwable failure) {
        return !(failure instanceof Job.HandedOverException);
    }

    private void releaseSlot(Job job) {
        if (registry.remove(job)) {
            queue.release(job);
        }
    }

    // ---- ownership: called by PartitionOwnership ----------------------------------------------------------------

    /** Returns the assignment's token, or null when the partition is assigned here already. */
    Object markAssigned(int partition) {
        return registry.markAssigned(partition);
    }

    /** Whether the assignment that {@code token} names still holds (not revoked, not replaced by a newer one). */
    boolean isAssigned(int partition, Object token) {
        return registry.isAssigned(partition, token);
    }

    /**
     * The ledger of a newly assigned partition was read to its end: its open jobs are registered first, and only
     * then is the partition owned, so no redelivered record can slip past a job it belongs to. Resumed jobs wait for
     * an in-flight slot like everyone else, ahead of new prompts.
     */
    void adopt(int partition, Object token, JobLedger.Replay replay, List<Job> resumed) {
        if (!registry.isAssigned(partition, token)) {
            return; // revoked while its ledger was read: what was read may be stale already
        }
        int adopted = 0;
        for (Job job : resumed) {
            if (registry.addUnlessRunning(job).isEmpty()) {
                adopted++;
                if (job.isResubmittedIntent()) {
                    metrics.intentResubmitted();
                    JobLog.warn(
                            job,
                            "the ledger holds its intent but no job id: submitting it (again, if the "
                                    + "previous owner's submit reached Whisul)");
                } else if (job.state() == Job.State.QUEUED) {
                    JobLog.debug(job, "resumed from ledger partition %d, queued: Whisul has not seen it", partition);
                } else {
                    JobLog.info(job, "resumed from ledger partition %d in state %s", partition, job.state());
                }
                queue.admitResumed(job).subscribe().with(slot -> {
                    if (job.isLeaving()) {
                        queue.release(job); // its partition left again while it waited for a slot
                    } else {
                        run(job);
                    }
                });
            }
        }
        registry.markOwned(partition);
        LOG.infof(
                "ledger partition %d replayed: %d entries read in %d ms, %d unfinished job(s) resumed",
                partition, replay.entriesRead(), replay.took().toMillis(), adopted);
    }

    void rememberFinished(FinishedRequests.Finished request) {
        finished.remember(request);
    }

    /**
     * Partitions leave this instance (rebalance or shutdown). Submits whose answer is not yet in the ledger get up to
     * {@code maxWait} to land there, so the next owner polls instead of paying again; everything else stops at once
     * and goes on there from the ledger (or, if it never reached the ledger, from its redelivered record).
     */
    void handOver(Collection<Integer> partitions, Duration maxWait) {
        List<Job> leaving = registry.markLeaving(partitions);
        Instant giveUp = Instant.now().plus(maxWait);
        // on the Kafka consumer thread or at shutdown: blocking is allowed here, and it is bounded
        while (leaving.stream().anyMatch(Job::isMidStep) && Instant.now().isBefore(giveUp)) {
            sleep(Duration.ofMillis(20));
        }
        registry.markGone(partitions);
        Set<Job> leavingJobs = Collections.newSetFromMap(new IdentityHashMap<>());
        leavingJobs.addAll(leaving);
        queue.leave(leavingJobs);
        int unsettled = 0;
        for (Job job : leaving) {
            boolean midStep = job.isMidStep();
            if (job.handOver()) {
                unsettled += midStep ? 1 : 0;
                tracing.end(job, "HANDED_OVER");
            }
            releaseSlot(job);
        }
        if (unsettled > 0) {
            LOG.warnf(
                    "%d job(s) of partitions %s were mid-step after %s: their next owner carries them on from the "
                            + "ledger (a submit without an answer there is made again)",
                    unsettled, partitions, maxWait);
        }
        if (!leaving.isEmpty()) {
            LOG.infof("handed over %d job(s) of partitions %s", leaving.size(), partitions);
        }
    }

    void stopIntake() {
        closing = true;
    }

    Collection<Integer> assignedPartitions() {
        return registry.assignedPartitions();
    }

    List<Integer> ownedPartitions() {
        return registry.assignedPartitions().stream().filter(registry::isOwned).toList();
    }

    // ---- what the status API reads ------------------------------------------------------------------------------

    public int inFlight() {
        return queue.inFlight();
    }

    public Optional<Job> running(String requestId) {
        return registry.running(requestId);
    }

    public List<Job> running() {
        return registry.running();
    }

    /** The jobs in flight, unordered: for the ledger checkpoints, which need no order. */
    Collection<Job> jobsInFlight() {
        return registry.jobs();
    }

    public Optional<FinishedRequests.Finished> finished(String requestId) {
        return finished.get(requestId);
    }

    // ---- records ------------------------------------------------------------------------------------------------

    private ParsedPrompt parse(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> kafka = metadata(record);
        return parser.parse(
                (byte[]) kafka.getKey(),
                record.getPayload(),
                kafka.getTopic(),
                kafka.getPartition(),
                kafka.getOffset(),
                header(kafka, "traceparent"),
                CloudEventHeaders.of(name -> header(kafka, name)));
    }

    private Uni<Void> deadLetter(Message<byte[]> record, ParsedPrompt.Unreadable unreadable) {
        LOG.warnf("dead-lettering an unreadable prompt record at %s (%s)", where(record), unreadable.reason());
        Uni<Void> failure = unreadable.keyRequestId() == null
                ? Uni.createFrom().voidItem()
                : outcomes.publish(partitionOf(record), unreadableFailure(unreadable), unreadable.traceparent());
        return failure.chain(() -> Uni.createFrom()
                .completionStage(() -> record.nack(new UnreadablePromptException(unreadable.reason()))));
    }

    private static int partitionOf(Message<byte[]> record) {
        return metadata(record).getPartition();
    }

    private static String where(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> kafka = metadata(record);
        return kafka.getTopic() + "-" + kafka.getPartition() + "@" + kafka.getOffset();
    }

    private static IncomingKafkaRecordMetadata<?, ?> metadata(Message<byte[]> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
    }

    private static Outcome invalidPrompt(ParsedPrompt.Invalid invalid) {
        return new Outcome.Failure(new SongFailure(
                invalid.requestId(),
                null,
                invalid.prompt(),
                FailureReason.INVALID_PROMPT,
                invalid.error(),
                0,
                Instant.now().toString(),
                invalid.metadata(),
                invalid.callbackUrl(),
                invalid.tenant()));
    }

    private static Outcome unreadableFailure(ParsedPrompt.Unreadable unreadable) {
        return new Outcome.Failure(new SongFailure(
                unreadable.keyRequestId(),
                null,
                null,
                FailureReason.INVALID_PROMPT,
                "unreadable prompt record, sent to the dead-letter topic: " + unreadable.reason(),
                0,
                Instant.now().toString(),
                null,
                null));
    }

    private static String header(IncomingKafkaRecordMetadata<?, ?> kafka, String name) {
        Header header = kafka.getHeaders().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Carries the reason into the dead-letter record's {@code dead-letter-reason} header. */
    static final class UnreadablePromptException extends RuntimeException {
        UnreadablePromptException(String reason) {
            super(reason, null, false, false);
        }
    }
}
