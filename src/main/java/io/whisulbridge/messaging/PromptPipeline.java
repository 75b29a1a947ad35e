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
import io.whisulbridge.polling.Job;
import io.whisulbridge.polling.JobDriver;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The whole bridge: a prompt record is admitted, parsed, submitted to Whisul, polled until done, its outcome
 * published, and only then acknowledged.
 * <p>
 * An {@code @Incoming} method returning a Uni gets the next record only when that Uni completes, so
 * {@link #onPrompt} completes as soon as the record is <em>admitted</em> and lets the job run on by itself.
 * Admission waits for a free in-flight slot and a working API key: that is the backpressure on Kafka.
 */
@Startup // fail at start-up, not at the first record, when the configuration cannot work
@ApplicationScoped
public class PromptPipeline {

    private static final Logger LOG = Logger.getLogger(PromptPipeline.class);

    private final JobDriver jobs;
    private final OutcomePublisher outcomes;
    private final ApiKeyGate keyGate;
    private final PromptParser parser;
    private final Admission admission;
    private final Map<String, Uni<Void>> inFlight = new ConcurrentHashMap<>();

    public PromptPipeline(JobDriver jobs, OutcomePublisher outcomes, ApiKeyGate keyGate, BridgeConfig config) {
        ConfigChecks.requireValid(config);
        this.jobs = jobs;
        this.outcomes = outcomes;
        this.keyGate = keyGate;
        this.parser = new PromptParser(config.bridge().maxPromptLength(), config.bridge().maxMetadataBytes());
        this.admission = new Admission(config.bridge().maxInFlight());
    }

    @Incoming(Channels.PROMPTS)
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> onPrompt(Message<byte[]> record) {
        return keyGate.awaitValidKey()
                .chain(admission::acquire)
                .invoke(() -> handle(record).subscribe().with(
                        done -> admission.release(),
                        bug -> deadLetterAfterBug(record, bug)));
    }

    private Uni<Void> handle(Message<byte[]> record) {
        ParsedPrompt parsed = parse(record);
        if (parsed instanceof ParsedPrompt.Unreadable unreadable) {
            return deadLetter(record, unreadable);
        }
        if (parsed instanceof ParsedPrompt.Invalid invalid) {
            return outcomes.publish(invalidPrompt(invalid), invalid.traceparent()).chain(() -> ack(record));
        }
        return once(((ParsedPrompt.Valid) parsed).event()).chain(() -> ack(record));
    }

    private Uni<Void> process(PromptEvent event) {
        return jobs.submit(new Job(event))
                .chain(jobs::pollUntilDone)
                .chain(job -> outcomes.publish(job.outcome(), event.traceparent()));
    }

    /** A request id already in flight here joins that job instead of paying Whisul twice. */
    private Uni<Void> once(PromptEvent event) {
        Uni<Void> started = process(event).memoize().indefinitely();
        Uni<Void> running = inFlight.putIfAbsent(event.requestId(), started);
        if (running != null) {
            LOG.infof("request %s is already in flight; this record completes with it", event.requestId());
            return running;
        }
        return started.eventually(() -> inFlight.remove(event.requestId(), started));
    }

    private ParsedPrompt parse(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> kafka = record.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
        return parser.parse((byte[]) kafka.getKey(), record.getPayload(), kafka.getTopic(), kafka.getPartition(),
                kafka.getOffset(), header(kafka, "traceparent"));
    }

    private Uni<Void> deadLetter(Message<byte[]> record, ParsedPrompt.Unreadable unreadable) {
        LOG.warnf("dead-lettering an unreadable prompt record (%s)", unreadable.reason());
        Uni<Void> failure = unreadable.keyRequestId() == null ? Uni.createFrom().voidItem()
                : outcomes.publish(unreadableFailure(unreadable), unreadable.traceparent());
        return failure.chain(() -> Uni.createFrom().completionStage(() -> record.nack(new UnreadablePromptException(unreadable.reason()))));
    }

    private void deadLetterAfterBug(Message<byte[]> record, Throwable bug) {
        LOG.errorf(bug, "unexpected failure while processing a prompt record; dead-lettering it");
        Uni.createFrom().completionStage(() -> record.nack(bug))
                .subscribe().with(done -> admission.release(), nackFailed -> admission.release());
    }

    private static Uni<Void> ack(Message<byte[]> record) {
        return Uni.createFrom().completionStage(record::ack);
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

    public int inFlight() {
        return admission.inUse();
    }

    /** Carries the reason into the dead-letter record's {@code dead-letter-reason} header. */
    static final class UnreadablePromptException extends RuntimeException {
        UnreadablePromptException(String reason) {
            super(reason, null, false, false);
        }
    }
}
