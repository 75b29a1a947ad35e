package io.whisulbridge.messaging;

import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.whisulbridge.client.ApiKeyGate;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.ConfigChecks;
import io.whisulbridge.domain.FailureReason;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.domain.SongFailure;
import io.whisulbridge.ledger.FinishedRequests;
import io.whisulbridge.ledger.JobLedger;
import io.whisulbridge.ledger.LedgerEntry;
import io.whisulbridge.metrics.BridgeMetrics;
import io.whisulbridge.polling.Job;
import io.whisulbridge.polling.JobDriver;
import io.whisulbridge.polling.JobLog;
import io.whisulbridge.polling.JobTracing;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The whole bridge. A prompt record is admitted and parsed; its job is submitted to Whisul and recorded in the
 * ledger, at which point the record is acknowledged; the job is then polled until done, its outcome published and
 * the ledger told. See {@link #run(Job)}.
 * <p>
 * An {@code @Incoming} method returning a Uni gets the next record only when that Uni completes, so
 * {@link #onPrompt} completes as soon as the record is <em>admitted</em> and lets its job run on by itself.
 * Admission waits for a free in-flight slot and a working API key: that is the backpressure on Kafka.
 */
@Startup // fail at start-up, not at the first record, when the configuration cannot work
@ApplicationScoped
public class PromptPipeline {

    private static final Logger LOG = Logger.getLogger(PromptPipeline.class);

    private final JobDriver jobs;
    private final OutcomePublisher outcomes;
    private final JobLedger ledger;
    private final JobTracing tracing;
    private final BridgeMetrics metrics;
    private final ApiKeyGate keyGate;
    private final PromptParser parser;
    private final Admission admission;
    private final FinishedRequests finished;
    /** Jobs by partition and request id: a duplicate on another partition belongs to that partition's owner. */
    private final Map<String, Job> inFlight = new ConcurrentHashMap<>();
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    public PromptPipeline(JobDriver jobs, OutcomePublisher outcomes, JobLedger ledger, JobTracing tracing,
                          ApiKeyGate keyGate, BridgeMetrics metrics, BridgeConfig config) {
        this.tracing = tracing;
        this.metrics = metrics;
        ConfigChecks.requireValid(config);
        this.jobs = jobs;
        this.outcomes = outcomes;
        this.ledger = ledger;
        this.keyGate = keyGate;
        this.parser = new PromptParser(config.bridge().maxPromptLength(), config.bridge().maxMetadataBytes());
        this.admission = new Admission(config.bridge().maxInFlight());
        this.finished = new FinishedRequests(config.bridge().ledger().rememberedRequests());
        metrics.registerInFlight(this::inFlight);
    }

    @Incoming(Channels.PROMPTS)
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> onPrompt(Message<byte[]> record) {
        if (closing) {
            return Uni.createFrom().nothing(); // shutting down: hold the intake, the record is redelivered elsewhere
        }
        return keyGate.awaitValidKey()
                .chain(admission::acquire)
                .invoke(() -> {
                    if (closing || !owned.contains(partitionOf(record))) {
                        // the partition left while this record waited for a slot: its next owner gets it again
                        admission.release();
                        return;
                    }
                    Uni.createFrom().deferred(() -> handle(record)).subscribe().with(
                            done -> { },
                            failure -> afterFailure(record, failure));
                });
    }

    private Uni<Void> handle(Message<byte[]> record) {
        ParsedPrompt parsed = parse(record);
        metrics.promptReceived();
        if (parsed instanceof ParsedPrompt.Unreadable unreadable) {
            metrics.promptUnreadable();
            return deadLetter(record, unreadable).eventually(admission::release);
        }
        if (parsed instanceof ParsedPrompt.Invalid invalid) {
            metrics.promptInvalid();
            return reject(record, invalid).eventually(admission::release);
        }
        return startOrJoin(record, ((ParsedPrompt.Valid) parsed).event());
    }

    private Uni<Void> reject(Message<byte[]> record, ParsedPrompt.Invalid invalid) {
        LOG.infof("request %s: invalid prompt: %s", invalid.requestId(), invalid.error());
        return outcomes.publish(invalidPrompt(invalid), invalid.traceparent()).chain(() -> ack(record));
    }

    /** One job per request id and partition: a new request starts one, a duplicate joins it or is already done. */
    private Uni<Void> startOrJoin(Message<byte[]> record, PromptEvent event) {
        if (finished.contains(event.requestId())) {
            LOG.infof("request %s already has its outcome; not submitting it again", event.requestId());
            return ack(record).eventually(admission::release);
        }
        Job job = new Job(event, partitionOf(record));
        Job running = inFlight.putIfAbsent(key(job), job);
        if (running != null) {
            LOG.infof("request %s is already in flight; this record is acknowledged with it", event.requestId());
            return running.recorded().chain(() -> ack(record)).eventually(admission::release);
        }
        // a hand-over or a finish may have happened between the checks above and the insert
        if (closing || !owned.contains(job.partition()) || finished.contains(event.requestId())) {
            inFlight.remove(key(job), job);
            admission.release();
            return finished.contains(event.requestId()) ? ack(record) : Uni.createFrom().voidItem();
        }
        run(job); // the job now owns the slot
        return job.recorded().chain(() -> ack(record));
    }

    private static String key(Job job) {
        return key(job.partition(), job.requestId());
    }

    private static String key(int partition, String requestId) {
        return partition + "/" + requestId;
    }

    /** The life of a job: submit, record in the ledger, poll until done, publish the outcome, record it done. */
    private void run(Job job) {
        tracing.start(job);
        job.runningAs(jobs.submit(job)
                .call(this::recordAccepted)
                .chain(jobs::pollUntilDone)
                .call(done -> outcomes.publish(done.outcome(), tracing.traceparent(done)))
                .call(ledger::recordDone)
                .subscribe().with(this::finish, failure -> stopped(job, failure)));
    }

    private Uni<Void> recordAccepted(Job job) {
        if (job.isDone() || job.isRecorded()) {
            return Uni.createFrom().voidItem();
        }
        return ledger.recordSubmitted(job).invoke(job::markRecorded);
    }

    private void finish(Job job) {
        if (job.acceptedAt() != null) {
            metrics.jobFinished(Duration.between(job.acceptedAt(), Instant.now()), job.polls());
        }
        String outcome = job.outcome().name();
        finished.remember(new FinishedRequests.Finished(job.requestId(), job.jobId(), outcome, Instant.now()));
        JobLog.info(job, "done: %s after %d call(s) to Whisul", outcome, job.calls());
        tracing.end(job, outcome);
        job.markRecorded();
        release(job);
    }

    private void stopped(Job job, Throwable failure) {
        if (failure instanceof Job.HandedOverException) {
            job.handOver(); // stopped before Whisul accepted it: the partition's next owner submits it
            release(job);
            return;
        }
        LOG.errorf(failure, "request %s (Whisul job %s): unexpected failure; %s", job.requestId(), job.jobId(),
                job.isRecorded() ? "the ledger resumes it after a restart" : "its prompt record is dead-lettered");
        tracing.end(job, "FAILED_UNEXPECTEDLY");
        job.failed(failure);
        release(job);
    }

    /** Each job gives its slot back exactly once, whoever removes it first: finish, failure or hand-over. */
    private void release(Job job) {
        if (inFlight.remove(key(job), job)) {
            admission.release();
        }
    }

    /** Jobs of newly assigned partitions that the ledger shows accepted and unfinished are polled again here. */
    void adopt(int partition, Collection<LedgerEntry> entries) {
        owned.add(partition);
        int resumed = 0;
        for (LedgerEntry entry : entries) {
            if (entry.state() == LedgerEntry.State.DONE) {
                finished.remember(new FinishedRequests.Finished(entry.requestId(), entry.jobId(), entry.outcome(),
                        entry.updatedAt() == null ? null : Instant.parse(entry.updatedAt())));
            } else if (!inFlight.containsKey(key(partition, entry.requestId()))) {
                Job job = jobs.resume(entry.event(), partition, entry.jobId(), Instant.parse(entry.acceptedAt()));
                if (inFlight.putIfAbsent(key(job), job) == null) {
                    JobLog.info(job, "resumed from ledger partition %d: polling Whisul job %s again", partition, job.jobId());
                    admission.acquireNow();
                    run(job);
                    resumed++;
                }
            }
        }
        LOG.infof("ledger partition %d replayed: %d entries, %d unfinished job(s) resumed", partition, entries.size(), resumed);
    }

    /**
     * Partitions leave this instance (rebalance or shutdown). Submits under way may still land in the ledger, so
     * the next owner resumes them instead of paying again; everything else simply stops here and goes on there.
     */
    void handOver(Collection<Integer> partitions, Duration maxWait) {
        owned.removeAll(partitions);
        List<Job> leaving = inFlight.values().stream().filter(job -> partitions.contains(job.partition())).toList();
        leaving.forEach(Job::leaving); // a job still submitting makes no new call from now on
        List<Job> submitting = leaving.stream().filter(job -> !job.isRecorded()).toList();
        if (!submitting.isEmpty() && maxWait.toMillis() > 0) {
            Uni.join().all(submitting.stream().map(job -> job.recorded().onFailure().recoverWithNull()).toList())
                    .andCollectFailures().ifNoItem().after(maxWait).recoverWithItem(List.of())
                    .onFailure().recoverWithNull()
                    .await().indefinitely(); // on the Kafka consumer thread or at shutdown: blocking is allowed here
        }
        leaving.forEach(job -> {
            if (inFlight.containsKey(key(job))) {
                tracing.end(job, "HANDED_OVER");
                job.handOver();
                release(job);
            }
        });
        if (!leaving.isEmpty()) {
            LOG.infof("handed over %d job(s) of partitions %s", leaving.size(), partitions);
        }
    }

    void stopIntake() {
        closing = true;
    }

    Collection<Integer> ownedPartitions() {
        return List.copyOf(owned);
    }

    public int inFlight() {
        return admission.inUse();
    }

    public Optional<Job> running(String requestId) {
        return inFlight.values().stream().filter(job -> job.requestId().equals(requestId)).findFirst();
    }

    public List<Job> running() {
        return inFlight.values().stream().sorted(Comparator.comparing(Job::requestId)).toList();
    }

    public Optional<FinishedRequests.Finished> finished(String requestId) {
        return finished.get(requestId);
    }


    private ParsedPrompt parse(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> kafka = metadata(record);
        return parser.parse((byte[]) kafka.getKey(), record.getPayload(), kafka.getTopic(), kafka.getPartition(),
                kafka.getOffset(), header(kafka, "traceparent"));
    }

    private Uni<Void> deadLetter(Message<byte[]> record, ParsedPrompt.Unreadable unreadable) {
        LOG.warnf("dead-lettering an unreadable prompt record (%s)", unreadable.reason());
        Uni<Void> failure = unreadable.keyRequestId() == null ? Uni.createFrom().voidItem()
                : outcomes.publish(unreadableFailure(unreadable), unreadable.traceparent());
        return failure.chain(() -> Uni.createFrom().completionStage(() -> record.nack(new UnreadablePromptException(unreadable.reason()))));
    }

    private void afterFailure(Message<byte[]> record, Throwable failure) {
        if (failure instanceof Job.HandedOverException) {
            return; // not acknowledged on purpose: the partition's next owner gets the record again
        }
        LOG.errorf(failure, "unexpected failure while processing a prompt record; dead-lettering it");
        Uni.createFrom().completionStage(() -> record.nack(failure)).subscribe().with(done -> { }, nackFailed -> { });
    }

    private static Uni<Void> ack(Message<byte[]> record) {
        return Uni.createFrom().completionStage(record::ack);
    }

    private static int partitionOf(Message<byte[]> record) {
        return metadata(record).getPartition();
    }

    private static IncomingKafkaRecordMetadata<?, ?> metadata(Message<byte[]> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
    }

    private static Outcome invalidPrompt(ParsedPrompt.Invalid invalid) {
        return new Outcome.Failure(new SongFailure(invalid.requestId(), null, invalid.prompt(),
                FailureReason.INVALID_PROMPT, invalid.error(), 0, Instant.now().toString(), invalid.metadata()));
    }

    private static Outcome unreadableFailure(ParsedPrompt.Unreadable unreadable) {
        return new Outcome.Failure(new SongFailure(unreadable.keyRequestId(), null, null, FailureReason.INVALID_PROMPT,
                "unreadable prompt record, sent to the dead-letter topic: " + unreadable.reason(), 0,
                Instant.now().toString(), null));
    }

    private static String header(IncomingKafkaRecordMetadata<?, ?> kafka, String name) {
        Header header = kafka.getHeaders().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Carries the reason into the dead-letter record's {@code dead-letter-reason} header. */
    static final class UnreadablePromptException extends RuntimeException {
        UnreadablePromptException(String reason) {
            super(reason, null, false, false);
        }
    }
}
