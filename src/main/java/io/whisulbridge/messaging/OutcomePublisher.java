package io.whisulbridge.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.Channels;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.metrics.BridgeMetrics;
import io.whisulbridge.polling.Job;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Puts outcomes on {@code songs} / {@code song-failures}, keyed by request id. An outcome is serialised once, when it
 * is decided ({@link #freeze}); that exact value goes to the ledger and then to the broker, so an outcome republished
 * after a crash is the same record byte for byte. The returned Uni completes only when the broker has the record
 * (acks=all); a refused send is retried until it lands.
 */
@ApplicationScoped
public class OutcomePublisher {

    private static final Logger LOG = Logger.getLogger(OutcomePublisher.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final MutinyEmitter<String> songs;
    private final MutinyEmitter<String> failures;
    private final ObjectMapper json;
    private final Duration retryBackoff;
    private final BridgeMetrics metrics;

    public OutcomePublisher(@Channel(Channels.SONGS) MutinyEmitter<String> songs,
                            @Channel(Channels.FAILURES) MutinyEmitter<String> failures,
                            ObjectMapper json, BridgeConfig config, BridgeMetrics metrics) {
        this.songs = songs;
        this.failures = failures;
        this.json = json;
        this.retryBackoff = config.bridge().publishRetryBackoff();
        this.metrics = metrics;
    }

    /** The outcome as it will be published, whenever and however often that happens. */
    public Job.RecordedOutcome freeze(Outcome outcome, String traceparent) {
        Object value = outcome instanceof Outcome.Song song ? song.result() : ((Outcome.Failure) outcome).failure();
        try {
            return new Job.RecordedOutcome(outcome.name(), outcome instanceof Outcome.Song,
                    json.writeValueAsString(value), traceparent, Instant.now());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the outcome of request " + outcome.requestId(), e);
        }
    }

    /** For outcomes that never had a job (invalid or unreadable prompts): decided and published at once. */
    public Uni<Void> publish(Outcome outcome, String traceparent) {
        return Uni.createFrom().item(() -> freeze(outcome, traceparent))
                .chain(frozen -> publish(outcome.requestId(), frozen));
    }

    public Uni<Void> publish(String requestId, Job.RecordedOutcome outcome) {
        return Uni.createFrom().deferred(() -> send(requestId, outcome))
                .onFailure().invoke(failure -> LOG.warnf("publishing the outcome of request %s failed (%s); retrying",
                        requestId, failure.getMessage()))
                .onFailure().retry().withBackOff(retryBackoff, MAX_BACKOFF).indefinitely()
                .invoke(() -> metrics.outcomePublished(outcome.name()));
    }

    private Uni<Void> send(String requestId, Job.RecordedOutcome outcome) {
        RecordHeaders headers = new RecordHeaders();
        if (outcome.traceparent() != null) {
            headers.add("traceparent", outcome.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        Message<String> record = Message.of(outcome.value()).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(requestId).withHeaders(headers).build());
        return (outcome.song() ? songs : failures).sendMessage(record);
    }
}
