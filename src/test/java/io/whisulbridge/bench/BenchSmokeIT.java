package io.whisulbridge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark harness, small: a few hundred prompts through every scenario so that it cannot rot. It asserts
 * that the harness runs end to end and its figures are sane, never a performance target.
 */
class BenchSmokeIT {

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theHarnessRunsEndToEnd() throws Exception {
        Bench.Results results = new Bench(Bench.Options.smoke()).run();
        System.out.println(results.markdown());

        assertThat(results.ceilingJobsPerSecond()).isPositive();
        assertThat(results.rows())
                .extracting(Bench.Row::scenario)
                .contains("throughput", "polling efficiency", "polling steady", "capacity 300");
        for (Bench.Row row : results.rows()) {
            if (!row.scenario().startsWith("capacity")) {
                assertThat(row.completed() + row.failed())
                        .as("every prompt has an outcome: " + row)
                        .isEqualTo(row.prompts());
                assertThat(row.failed()).as(row.toString()).isZero();
                assertThat(row.completed()).as(row.toString()).isPositive();
                assertThat(row.requestsPerJob()).as(row.toString()).isGreaterThanOrEqualTo(2.0);
                assertThat(row.lagP95()).as(row.toString()).isFinite().isGreaterThan(-1.0);
            } else {
                assertThat(row.pollsMeasured()).as(row.toString()).isPositive();
            }
            assertThat(row.rssMaxMiB()).as(row.toString()).isPositive();
        }
        assertThat(results.rows().stream()
                        .filter(r -> r.scenario().equals("polling efficiency"))
                        .count())
                .isGreaterThanOrEqualTo(3);
        assertThat(results.plots()).isNotEmpty();
        results.plots()
                .values()
                .forEach(p -> assertThat(p)
                        .exists()
                        .satisfies(f -> assertThat(Files.size(f)).isPositive()));
    }
}
