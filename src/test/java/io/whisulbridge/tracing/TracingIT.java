package io.whisulbridge.tracing;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.support.InjectWhisul;
import io.whisulbridge.support.OutcomeTopics;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.WithBrokerAndWhisul;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** With tracing on, a prompt's traceparent continues through the job, its submit and polls, into the outcome. */
@QuarkusTest
@TestProfile(TracingIT.TracingOn.class)
@WithBrokerAndWhisul
class TracingIT {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_SPAN = "00f067aa0ba902b7";

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @Inject
    InMemorySpanExporter spans;

    @Test
    void traceparentInGivesTheSameTraceThroughSubmitAndPollsIntoTheOutcome() {
        var record = new ProducerRecord<>(TopicSet.PROMPTS, "traced-1", prompt("traced-1", "traced song"));
        record.headers()
                .add("traceparent", ("00-" + TRACE_ID + "-" + PARENT_SPAN + "-01").getBytes(StandardCharsets.UTF_8));
        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompts(List.of(record));
            String outgoing = topics.awaitOutcome("traced-1").traceparent();

            await().atMost(Duration.ofSeconds(10)).until(() -> jobSpans().size() == 1);
            SpanData job = jobSpans().get(0);
            List<SpanData> calls = spans.getFinishedSpanItems().stream()
                    .filter(span -> span.getParentSpanId().equals(job.getSpanId()))
                    .toList();

            assertThat(job.getTraceId()).isEqualTo(TRACE_ID);
            assertThat(job.getParentSpanId()).isEqualTo(PARENT_SPAN);
            assertThat(calls).extracting(SpanData::getName).contains("whisul.submit", "whisul.poll");
            assertThat(calls).allSatisfy(call -> assertThat(call.getTraceId()).isEqualTo(TRACE_ID));
            assertThat(outgoing).isEqualTo("00-" + TRACE_ID + "-" + job.getSpanId() + "-01");
        }
    }

    private List<SpanData> jobSpans() {
        return spans.getFinishedSpanItems().stream()
                .filter(span ->
                        span.getName().equals("whisul.job") && span.getTraceId().equals(TRACE_ID))
                .toList();
    }

    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.otel.sdk.disabled",
                    "false",
                    "quarkus.otel.bsp.schedule.delay",
                    "100ms",
                    // nothing listens here: spans go to the in-memory exporter below, the OTLP one fails quietly
                    "quarkus.otel.exporter.otlp.traces.endpoint",
                    "http://127.0.0.1:9",
                    "bridge.consumer-group",
                    "whisul-bridge-tracing");
        }
    }

    /** Quarkus hands spans to every SpanExporter bean; this one keeps them for the test to read. */
    @Singleton
    static class InMemoryExporterProducer {
        @Produces
        @Singleton
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create();
        }
    }
}
