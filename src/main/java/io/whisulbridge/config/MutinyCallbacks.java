package io.whisulbridge.config;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/**
 * Turns off Mutiny's callback decoration, whose only decorator here is context propagation.
 * <p>
 * Every callback of every pending job chain captured the (empty) CDI and OpenTelemetry thread contexts: at 50,000
 * jobs in flight that was 140 MiB of a 512 MiB heap and a fifth of the event loop's CPU (BENCHMARKS.md). Nothing in
 * the bridge reads a thread context: jobs carry their trace context and MDC fields themselves, and there are no
 * request-scoped beans. This clears Mutiny's Uni and Multi interceptors too; the packaged service registers none
 * (only the decorator, by service loader). The system property {@code mutiny.disableCallBackDecorators} would remove
 * the decorator alone, but would have to be on every command line that starts the service.
 */
@ApplicationScoped
public class MutinyCallbacks {

    void undecorated(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent started) {
        Infrastructure.clearInterceptors();
    }
}
