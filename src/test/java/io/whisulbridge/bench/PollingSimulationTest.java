package io.whisulbridge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every cell of issue 15's polling matrix, small (a few seconds of simulated hours), checked for what must hold
 * whatever the tuning: no schedule beats the optimum, none polls a job closer than the interval, a binding budget is
 * never exceeded, every job is found. It also pins what the survival schedule is for. Performance targets are the
 * benchmark's ({@code ./mvnw -B verify -Pbench}), not this test's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PollingSimulationTest {

    private List<PollingSimulation.Result> results;

    @BeforeAll
    void simulate() {
        results = new PollingSimulation(PollingSimulation.Sizes.small()).runAll();
        System.out.println(PollingSimulation.markdown(results));
    }

    @Test
    void everySystemRunsInEveryCellAndFindsEveryMeasuredJob() {
        assertThat(results).hasSize(PollingSimulation.cells().size() * PollingSimulation.SYSTEMS.length);
        for (PollingSimulation.Result r : results) {
            assertThat(r.unfinished()).as(r.toString()).isZero();
            assertThat(r.jobs()).as(r.toString()).isGreaterThan(900);
        }
    }

    @Test
    void noScheduleMakesFewerRequestsThanTheOptimumAtItsOwnLag() {
        // 5 % of slack: the optimum is computed on a 0.5 s grid here, and a p95 over 1,000 jobs is a sample; near a
        // p95 of 0.95 x the interval (where every-interval polling sits) the optimum falls steeply with the lag
        for (PollingSimulation.Result r : results) {
            assertThat(r.ratio()).as(r.toString()).isGreaterThan(0.95);
        }
    }

    @Test
    void noJobIsCalledTwiceWithinTheIntervalAndABindingBudgetIsNeverExceeded() {
        for (PollingSimulation.Result r : results) {
            assertThat(r.closestPolls()).as(r.toString()).isGreaterThanOrEqualTo(PollingSimulation.INTERVAL - 1e-6);
            if (r.cell().binding()) {
                // the bucket holds 100 ms of calls: at most 2 above the rate in any one second
                assertThat(r.peakRequestRate())
                        .as(r.toString())
                        .isLessThanOrEqualTo((long) r.cell().budget() + 2);
            }
        }
    }

    /**
     * The target is 1.15 times the optimum; the benchmark's full-size run measures it (BENCHMARKS.md). This
     * run is a few hundred jobs per cell, where one seed put survival at 1.17 in the lognormal cell, so the suite
     * holds it to a quarter above the optimum: a schedule that stopped learning would be far beyond that.
     */
    @Test
    void theSurvivalScheduleIsWithinAQuarterOfTheOptimumInASteadyStreamWithoutABudget() {
        results.stream()
                .filter(r -> r.system().equals("survival"))
                .filter(r -> r.cell().arrival() == PollingSimulation.Arrival.STEADY
                        && !r.cell().binding())
                .forEach(r -> assertThat(r.ratio()).as(r.toString()).isLessThanOrEqualTo(1.25));
    }

    @Test
    void underABindingBudgetTheSurvivalScheduleKeepsItsLagTargetBecauseItsPollsGoFirstAndItsSubmitsArePaced() {
        for (PollingSimulation.Cell cell : PollingSimulation.cells()) {
            if (cell.binding()) {
                PollingSimulation.Result survival = result(cell, "survival");
                assertThat(survival.lagP95())
                        .as(survival.toString())
                        .isLessThan(9.5); // target 8 s, plus the budget's wait
                assertThat(survival.budgetWaitP95()).as(survival.toString()).isLessThan(2.5);
            }
        }
    }

    private PollingSimulation.Result result(PollingSimulation.Cell cell, String system) {
        return results.stream()
                .filter(r -> r.cell().equals(cell) && r.system().equals(system))
                .findFirst()
                .orElseThrow();
    }
}
