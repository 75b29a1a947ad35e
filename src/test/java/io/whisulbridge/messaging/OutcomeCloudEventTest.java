package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.reactive.messaging.kafka.impl.ce.KafkaCloudEventHelper;
import io.whisulbridge.polling.Job;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class OutcomeCloudEventTest {

    private static final Instant DECIDED = Instant.parse("2026-11-29T18:30:25.123Z");

    @Test
    void aSongIsACompletedEventNamedAfterItsRequest() {
        var event = KafkaCloudEventHelper.createFromBinaryCloudEvent(record(headersFor(true)));

        assertThat(event.getSpecVersion()).isEqualTo("1.0");
        assertThat(event.getId()).isEqualTo("req-1:completed");
        assertThat(event.getType()).isEqualTo(OutcomeCloudEvent.COMPLETED);
        assertThat(event.getSource()).hasToString("urn:whisul-bridge:team-a");
        assertThat(event.getSubject()).contains("req-1");
        assertThat(event.getDataContentType()).contains("application/json");
        assertThat(event.getTimeStamp().orElseThrow().toInstant()).isEqualTo(DECIDED);
    }

    @Test
    void aFailureIsAFailedEvent() {
        var event = KafkaCloudEventHelper.createFromBinaryCloudEvent(record(headersFor(false)));

        assertThat(event.getId()).isEqualTo("req-1:failed");
        assertThat(event.getType()).isEqualTo(OutcomeCloudEvent.FAILED);
    }

    @Test
    void theSameRecordedOutcomeGetsTheSameEnvelopeWhenRepublished() {
        assertThat(headersFor(true).toArray()).containsExactly(headersFor(true).toArray());
    }

    @Test
    void smallRyeSeesBinaryModeEvenThoughTheRecordHasATimestamp() {
        assertThat(KafkaCloudEventHelper.getCloudEventMode(headersFor(true)))
                .isEqualTo(KafkaCloudEventHelper.CloudEventMode.BINARY);
    }

    private static RecordHeaders headersFor(boolean song) {
        RecordHeaders headers = new RecordHeaders();
        OutcomeCloudEvent.addTo(
                headers,
                OutcomeCloudEvent.defaultSource("team-a"),
                "req-1",
                new Job.RecordedOutcome(
                        song ? "COMPLETED" : "GENERATION_FAILED", song, "{\"request_id\":\"req-1\"}", null, DECIDED));
        return headers;
    }

    private static ConsumerRecord<String, String> record(RecordHeaders headers) {
        return new ConsumerRecord<>(
                "songs",
                0,
                7L,
                DECIDED.toEpochMilli() + 5,
                TimestampType.CREATE_TIME,
                5,
                22,
                "req-1",
                "{\"request_id\":\"req-1\"}",
                headers,
                Optional.empty());
    }
}
