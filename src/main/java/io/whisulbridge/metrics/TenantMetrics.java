package io.whisulbridge.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Per-tenant meters with bounded cardinality: the {@link #NAMED} busiest tenants by name, every other tenant as
 * {@value #OTHER}. Tenant names come from the prompts, so one series per name would grow without bound; here at most
 * {@code NAMED + 1} values of the tag exist at any time. "Busiest" is by prompts queued, counted in a bounded table
 * (space-saving: at most {@link #TRACKED} tenants, the least active one replaced by a newcomer) whose counts halve at
 * every {@link #refresh}, so the ranking follows recent activity. A tenant that drops out of the top loses its series
 * (its counts go on under {@value #OTHER}).
 */
public final class TenantMetrics {

    public static final int NAMED = 10;
    public static final String OTHER = "other";
    static final int TRACKED = 4 * NAMED;
    private static final Duration[] WAIT_BUCKETS = {
        Duration.ofMillis(100),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ofMinutes(1),
        Duration.ofMinutes(5),
        Duration.ofMinutes(15),
        Duration.ofHours(1)
    };

    private final MeterRegistry registry;
    private final Supplier<Map<String, Integer>> queuedPerTenant;
    private final Map<String, Long> activity = new HashMap<>();
    private final Map<String, Meters> meters = new ConcurrentHashMap<>();
    private volatile Set<String> named = Set.of();

    private record Meters(Counter submitted, Counter completed, Timer waited, AtomicLong queued, List<Meter> all) {}

    public TenantMetrics(MeterRegistry registry, Supplier<Map<String, Integer>> queuedPerTenant) {
        this.registry = registry;
        this.queuedPerTenant = queuedPerTenant;
        meters(OTHER); // exported at zero from the start, like every other series
    }

    /** A prompt of {@code tenant} was read and is waiting for (or had at once) its turn. */
    public void queued(String tenant) {
        synchronized (activity) {
            Long count = activity.get(tenant);
            if (count == null && activity.size() >= TRACKED) {
                String least = activity.entrySet().stream()
                        .min(Map.Entry.comparingByValue())
                        .orElseThrow()
                        .getKey();
                count = activity.remove(least); // space-saving: the newcomer inherits the evicted count
            }
            activity.put(tenant, (count == null ? 0 : count) + 1);
        }
    }

    /** A job of {@code tenant} got its turn after waiting {@code waited} in the fair queue, and was submitted. */
    public void submitted(String tenant, Duration waited) {
        Meters m = meters(label(tenant));
        m.submitted().increment();
        m.waited().record(waited);
    }

    /** A job of {@code tenant} reached its outcome. */
    public void completed(String tenant) {
        meters(label(tenant)).completed().increment();
    }

    /** Re-ranks the tenants and updates the queue gauges; called every few seconds. */
    public void refresh() {
        Set<String> top;
        synchronized (activity) {
            top = new HashSet<>(activity.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                    .limit(NAMED)
                    .map(Map.Entry::getKey)
                    .toList());
            activity.replaceAll((tenant, count) -> count / 2);
            activity.values().removeIf(count -> count == 0);
        }
        top.remove(OTHER); // a tenant called "other" is counted with the others
        named = Set.copyOf(top);
        for (String tenant : new ArrayList<>(meters.keySet())) {
            if (!tenant.equals(OTHER) && !top.contains(tenant)) {
                Meters gone = meters.remove(tenant);
                gone.all().forEach(registry::remove);
            }
        }
        Map<String, Long> queued = new HashMap<>();
        queuedPerTenant.get().forEach((tenant, count) -> queued.merge(label(tenant), (long) count, Long::sum));
        meters.forEach((tenant, m) -> m.queued().set(queued.getOrDefault(tenant, 0L)));
        queued.forEach((tenant, count) -> meters(tenant).queued().set(count));
    }

    /** The tag value a tenant is counted under now. */
    public String label(String tenant) {
        return named.contains(tenant) ? tenant : OTHER;
    }

    private Meters meters(String label) {
        return meters.computeIfAbsent(label, this::register);
    }

    private Meters register(String label) {
        Counter submitted = Counter.builder(BridgeMetrics.PREFIX + "tenant.jobs.submitted")
                .description("Jobs that left the fair queue and were submitted, per tenant (busiest 10, rest 'other')")
                .tag("tenant", label)
                .register(registry);
        Counter completed = Counter.builder(BridgeMetrics.PREFIX + "tenant.jobs.completed")
                .description("Jobs that reached their outcome, per tenant (busiest 10, rest 'other')")
                .tag("tenant", label)
                .register(registry);
        Timer waited = Timer.builder(BridgeMetrics.PREFIX + "tenant.queue.wait")
                .description(
                        "Time from a prompt's read to the answer to its submit, per tenant (busiest 10, rest 'other')")
                .tag("tenant", label)
                .serviceLevelObjectives(WAIT_BUCKETS)
                .register(registry);
        AtomicLong queued = new AtomicLong();
        Gauge gauge = Gauge.builder(BridgeMetrics.PREFIX + "tenant.prompts.queued", queued, AtomicLong::doubleValue)
                .description("Prompts waiting in the fair queue, per tenant (busiest 10, rest 'other')")
                .tag("tenant", label)
                .strongReference(true)
                .register(registry);
        return new Meters(submitted, completed, waited, queued, List.of(submitted, completed, waited, gauge));
    }
}
