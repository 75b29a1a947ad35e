package io.whisulbridge.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.fencing.FencedWriter;
import io.whisulbridge.metrics.BridgeMetrics;
import io.whisulbridge.polling.Job;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

/**
 * Puts outcomes on {@code songs} / {@code song-failures}, keyed by request id. An outcome is serialised once, when it
 * is decided ({@link #freeze}); that exact value goes to the ledger and then to the broker, so an outcome republished
 * after a crash is the same record byte for byte. Every outcome is a fenced write ({@link FencedWriter}): the
 * returned Uni completes only when its transaction committed (acks=all), so `read_committed` consumers never see an
 * outcome that a zombie tried to publish.
 */
@ApplicationScoped
public class OutcomePublisher {

    private static final Logger LOG = Logger.getLogger(OutcomePublisher.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final FencedWriter writer;
    private final String songs;
    private final String failures;
    private final ObjectMapper json;
    private final Duration retryBackoff;
    private final BridgeMetrics metrics;
    /** ce_source of the outcomes' CloudEvents envelope; null when the envelope is switched off. */
    private final String cloudEventSource;

    public OutcomePublisher(FencedWriter writer, ObjectMapper json, BridgeConfig config, BridgeMetrics metrics) {
        this.writer = writer;
        this.songs = config.bridge().topics().songs();
        this.failures = config.bridge().topics().failures();
        this.json = json;
        this.retryBackoff = config.bridge().publishRetryBackoff();
        this.metrics = metrics;
        BridgeConfig.CloudEvents cloudEvents = config.bridge().cloudEvents();
        this.cloudEventSource = !cloudEvents.enabled()
                ? null
                : cloudEvents
                        .source()
                        .orElse(OutcomeCloudEvent.defaultSource(config.bridge().consumerGroup()));
    }

    /** The outcome as it will be published, whenever and however often that happens. */
    public Job.RecordedOutcome freeze(Outcome outcome, String traceparent) {
        Object value = outcome instanceof Outcome.Song song ? song.result() : ((Outcome.Failure) outcome).failure();
        try {
            return new Job.RecordedOutcome(
                    outcome.name(),
                    outcome instanceof Outcome.Song,
                    json.writeValueAsString(value),
                    traceparent,
                    Instant.now().truncatedTo(ChronoUnit.MILLIS));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the outcome of request " + outcome.requestId(), e);
        }
    }

    /**
     * For outcomes that never had a job (invalid or unreadable prompts), decided and published at once, as a fenced
     * write of the prompt's {@code partition}; a broker that refuses it is retried here, since nothing else would.
     */
    public Uni<Void> publish(int partition, Outcome outcome, String traceparent) {
        Job.RecordedOutcome frozen = freeze(outcome, traceparent);
        return Uni.createFrom()
                .deferred(() -> publish(partition, outcome.requestId(), frozen))
                .onFailure()
                .invoke(failure -> LOG.warnf(
                        "publishing the outcome of request %s failed (%s); retrying",
                        outcome.requestId(), failure.getMessage()))
                .onFailure()
                .retry()
                .withBackOff(retryBackoff, MAX_BACKOFF)
                .indefinitely();
    }

    /** A job's recorded outcome, as a fenced write of its partition; a refused one fails (the job's step retries). */
    public Uni<Void> publish(int partition, String requestId, Job.RecordedOutcome outcome) {
        RecordHeaders headers = new RecordHeaders();
        if (outcome.traceparent() != null) {
            headers.add("traceparent", outcome.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        if (cloudEventSource != null) {
            OutcomeCloudEvent.addTo(headers, cloudEventSource, requestId, outcome);
        }
        return writer.write(partition, outcome.song() ? songs : failures, null, requestId, outcome.value(), headers)
                .invoke(() -> metrics.outcomePublished(outcome.name()))
                .replaceWithVoid();
    }
}
