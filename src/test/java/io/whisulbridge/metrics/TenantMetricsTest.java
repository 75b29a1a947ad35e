package io.whisulbridge.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TenantMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Map<String, Integer> queued = new HashMap<>();
    private final TenantMetrics metrics = new TenantMetrics(registry, () -> Map.copyOf(queued));

    private Set<String> tagValues(String meter) {
        return registry.find(BridgeMetrics.PREFIX + meter).meters().stream()
                .map(Meter::getId)
                .map(id -> id.getTag("tenant"))
                .collect(Collectors.toSet());
    }

    private double submitted(String tenant) {
        var counter = registry.find(BridgeMetrics.PREFIX + "tenant.jobs.submitted")
                .tag("tenant", tenant)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void theBusiestTenantsAreNamedAndEveryOtherOneIsCountedAsOther() {
        for (int tenant = 0; tenant < 100; tenant++) {
            for (int prompt = 0; prompt <= (tenant < TenantMetrics.NAMED ? 50 : 1); prompt++) {
                metrics.queued("t" + tenant);
            }
        }
        metrics.refresh();

        for (int tenant = 0; tenant < 100; tenant++) {
            metrics.submitted("t" + tenant, Duration.ofSeconds(1));
            metrics.completed("t" + tenant);
        }

        assertThat(tagValues("tenant.jobs.submitted"))
                .hasSize(TenantMetrics.NAMED + 1)
                .contains("t0", "t9", "other");
        assertThat(tagValues("tenant.jobs.completed")).hasSize(TenantMetrics.NAMED + 1);
        assertThat(submitted("t3")).isEqualTo(1);
        assertThat(submitted("other")).isEqualTo(90);
    }

    @Test
    void theTableOfTenantsStaysBoundedHoweverManyNamesArrive() {
        for (int tenant = 0; tenant < 100_000; tenant++) {
            metrics.queued("t" + tenant);
        }
        metrics.refresh();

        assertThat(tagValues("tenant.prompts.queued")).hasSizeLessThanOrEqualTo(TenantMetrics.NAMED + 1);
    }

    @Test
    void aTenantThatFallsOutOfTheTopLosesItsSeriesAndCountsGoOnUnderOther() {
        for (int i = 0; i < 100; i++) {
            metrics.queued("was-busy");
        }
        metrics.refresh();
        metrics.submitted("was-busy", Duration.ofMillis(5));
        assertThat(tagValues("tenant.jobs.submitted")).contains("was-busy");

        for (int tenant = 0; tenant < TenantMetrics.NAMED; tenant++) {
            for (int i = 0; i < 1000; i++) {
                metrics.queued("new" + tenant);
            }
        }
        metrics.refresh();
        metrics.submitted("was-busy", Duration.ofMillis(5));

        assertThat(tagValues("tenant.jobs.submitted")).doesNotContain("was-busy");
        assertThat(submitted("other")).isEqualTo(1);
    }

    @Test
    void queueGaugesFollowTheFairQueueWithTheRestSummedUnderOther() {
        for (int i = 0; i < 10; i++) {
            metrics.queued("gold");
        }
        metrics.refresh();
        queued.put("gold", 7);
        queued.put("rare-1", 2);
        queued.put("rare-2", 3);

        metrics.refresh();

        assertThat(registry.get(BridgeMetrics.PREFIX + "tenant.prompts.queued")
                        .tag("tenant", "gold")
                        .gauge()
                        .value())
                .isEqualTo(7);
        assertThat(registry.get(BridgeMetrics.PREFIX + "tenant.prompts.queued")
                        .tag("tenant", "other")
                        .gauge()
                        .value())
                .isEqualTo(5);
    }
}
