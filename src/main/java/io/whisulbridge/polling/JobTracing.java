package io.whisulbridge.polling;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A job is one span, child of the prompt event's {@code traceparent}; each submit and poll is a child of it; the
 * outcome record carries the job span's {@code traceparent}. Done by hand rather than by the messaging and HTTP
 * auto-instrumentation, because a job outlives every Vert.x context it passes through.
 */
@ApplicationScoped
public class JobTracing {

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;

    public JobTracing(
            OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        // A disabled SDK still records every span and drops it at the end: a span per job in flight for nothing.
        // The no-op tracer keeps the incoming trace context, so outcomes still carry the prompt's trace.
        this.tracer = (sdkDisabled ? OpenTelemetry.noop() : openTelemetry).getTracer("whisul-bridge");
    }

    public void start(Job job) {
        String traceparent = job.event().traceparent();
        Context parent = traceparent == null
                ? Context.root()
                : W3C.extract(Context.root(), Map.of("traceparent", traceparent), MAP_GETTER);
        Span span = tracer.spanBuilder("whisul.job")
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("whisul.request_id", job.requestId())
                .setAttribute("whisul.resumed", job.phase() == Job.Phase.POLLING)
                .startSpan();
        job.traceContext(parent.with(span));
    }

    /** One Whisul call as a child span; {@code outcome} names what the answer was. */
    public <T> Uni<T> call(Job job, String name, Supplier<Uni<T>> call, Function<T, String> outcome) {
        return Uni.createFrom().deferred(() -> {
            Span span = tracer.spanBuilder(name)
                    .setParent(job.traceContext())
                    .setSpanKind(SpanKind.CLIENT)
                    .startSpan();
            if (job.jobId() != null) {
                span.setAttribute("whisul.job_id", job.jobId());
            }
            return call.get()
                    .invoke(answer -> span.setAttribute("whisul.answer", outcome.apply(answer)))
                    .onTermination()
                    .invoke((answer, failure, cancelled) -> {
                        if (failure != null) {
                            span.setStatus(StatusCode.ERROR, failure.getMessage());
                        }
                        span.end();
                    });
        });
    }

    public void end(Job job, String result) {
        Span span = Span.fromContext(job.traceContext());
        span.setAttribute("whisul.outcome", result);
        if (job.jobId() != null) {
            span.setAttribute("whisul.job_id", job.jobId());
        }
        span.end();
    }

    /** The {@code traceparent} the outcome record carries: the job span's, or the incoming one when tracing is off. */
    public String traceparent(Job job) {
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(job.traceContext(), carrier, Map::put);
        return carrier.getOrDefault("traceparent", job.event().traceparent());
    }
}
