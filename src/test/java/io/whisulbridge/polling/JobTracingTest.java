package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.whisulbridge.domain.PromptEvent;
import org.junit.jupiter.api.Test;

class JobTracingTest {

    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String INCOMING = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    /** What the SDK is when tracing is off: a tracer provider without span processors, which still records. */
    final OpenTelemetrySdk sdkWithoutExport = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().build())
            .build();

    @Test
    void withTheSdkDisabledAJobHoldsNoRecordedSpanAndOutcomesCarryTheIncomingTrace() {
        JobTracing tracing = new JobTracing(sdkWithoutExport, true);
        Job job = new Job(new PromptEvent("r-1", "a prompt", null, INCOMING));

        tracing.start(job);

        assertThat(Span.fromContext(job.traceContext()).isRecording()).isFalse();
        assertThat(tracing.traceparent(job)).isEqualTo(INCOMING);
    }

    @Test
    void withTheSdkEnabledAJobIsAChildSpanOfTheIncomingTrace() {
        JobTracing tracing = new JobTracing(sdkWithoutExport, false);
        Job job = new Job(new PromptEvent("r-2", "a prompt", null, INCOMING));

        tracing.start(job);

        Span span = Span.fromContext(job.traceContext());
        assertThat(span).isInstanceOf(ReadableSpan.class);
        assertThat(((ReadableSpan) span).getParentSpanContext().getSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(tracing.traceparent(job)).startsWith("00-" + TRACE_ID + "-").isNotEqualTo(INCOMING);
    }
}
