package io.whisulbridge.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.domain.Outcome;
import io.whisulbridge.metrics.BridgeMetrics;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import io.whisulbridge.domain.SongFailure;
import io.whisulbridge.domain.SongResult;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Puts outcomes on {@code songs} / {@code song-failures}, keyed by request id. The returned Uni completes only when
 * the broker has acknowledged the record (acks=all), and a refused send is retried until it lands: the prompt
 * record is acknowledged after this, so giving up here would lose the request.
 */
@ApplicationScoped
public class OutcomePublisher {

    private static final Logger LOG = Logger.getLogger(OutcomePublisher.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final MutinyEmitter<SongResult> songs;
    private final MutinyEmitter<SongFailure> failures;
    private final Duration retryBackoff;
    private final BridgeMetrics metrics;

    public OutcomePublisher(@Channel(Channels.SONGS) MutinyEmitter<SongResult> songs,
                            @Channel(Channels.FAILURES) MutinyEmitter<SongFailure> failures,
                            BridgeConfig config, BridgeMetrics metrics) {
        this.songs = songs;
        this.failures = failures;
        this.retryBackoff = config.bridge().publishRetryBackoff();
        this.metrics = metrics;
    }

    public Uni<Void> publish(Outcome outcome, String traceparent) {
        return Uni.createFrom().deferred(() -> send(outcome, traceparent))
                .onFailure().invoke(failure -> LOG.warnf("publishing the outcome of request %s failed (%s); retrying",
                        outcome.requestId(), failure.getMessage()))
                .onFailure().retry().withBackOff(retryBackoff, MAX_BACKOFF).indefinitely()
                .invoke(() -> metrics.outcomePublished(outcome));
    }

    private Uni<Void> send(Outcome outcome, String traceparent) {
        OutgoingKafkaRecordMetadata<String> metadata = recordMetadata(outcome.requestId(), traceparent);
        if (outcome instanceof Outcome.Song song) {
            return songs.sendMessage(Message.of(song.result()).addMetadata(metadata));
        }
        return failures.sendMessage(Message.of(((Outcome.Failure) outcome).failure()).addMetadata(metadata));
    }

    private static OutgoingKafkaRecordMetadata<String> recordMetadata(String requestId, String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        if (traceparent != null) {
            headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        return OutgoingKafkaRecordMetadata.<String>builder().withKey(requestId).withHeaders(headers).build();
    }

}
