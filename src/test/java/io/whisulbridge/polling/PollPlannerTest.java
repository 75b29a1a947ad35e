package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PollPlannerTest {

    /** Survival of a uniform job length on [lo, hi] seconds, on a grid of {@code step}, up to {@code end}. */
    static double[] uniform(double lo, double hi, double step, double end) {
        double[] s = new double[(int) Math.round(end / step) + 1];
        for (int k = 0; k < s.length; k++) {
            s[k] = Math.max(0, Math.min(1, (hi - k * step) / (hi - lo)));
        }
        return s;
    }

    private static List<Integer> ages(PollPlanner.Plan plan) {
        List<Integer> ages = new ArrayList<>();
        for (int k = plan.nextPoll()[0]; k >= 0; k = plan.nextPoll()[k]) {
            ages.add(k);
        }
        return ages;
    }

    @Test
    void aJobOfKnownLengthIsPolledOnceRightWhenItEnds() {
        double[] s = uniform(59.999, 60, 1, 70); // every job takes 60 s

        PollPlanner.Plan plan = new PollPlanner(s, 1, 5, 1, true).cheapest(0.0);

        assertThat(ages(plan)).containsExactly(60);
        assertThat(plan.polls()).isCloseTo(1, within(1e-9));
        assertThat(plan.lateShare()).isZero();
    }

    @Test
    void withNoLagAllowedTheBestIsEveryIntervalAcrossTheSpread() {
        // uniform on [60, 180] with a lag target of the interval itself: nobody may wait longer than 5 s
        PollPlanner.Plan plan = new PollPlanner(uniform(60, 180, 1, 200), 1, 5, 5, true).cheapest(0.0);

        List<Integer> ages = ages(plan);
        for (int i = 1; i < ages.size(); i++) {
            assertThat(ages.get(i) - ages.get(i - 1)).isEqualTo(5);
        }
        assertThat(ages.get(0)).isBetween(60, 65);
        assertThat(ages.get(ages.size() - 1)).isGreaterThanOrEqualTo(180);
        assertThat(plan.lateShare()).isZero();
    }

    @Test
    void pollsAreNeverCloserThanTheIntervalNorTheFirstSoonerThanIt() {
        double[] s = uniform(0, 30, 0.5, 60);

        for (double allowed : new double[] {0, 0.05, 0.5}) {
            PollPlanner.Plan plan = new PollPlanner(s, 0.5, 5, 2, true).cheapest(allowed);
            int previous = 0;
            for (int k : ages(plan)) {
                assertThat((k - previous) * 0.5).isGreaterThanOrEqualTo(5);
                previous = k;
            }
        }
    }

    @Test
    void allowingMoreJobsToBeLateNeverCostsMorePollsAndKeepsTheLateShareWithinWhatIsAllowed() {
        PollPlanner planner = new PollPlanner(uniform(60, 180, 0.5, 200), 0.5, 5, 6, true);

        double previous = Double.POSITIVE_INFINITY;
        for (double allowed = 0; allowed <= 0.3; allowed += 0.05) {
            PollPlanner.Plan plan = planner.cheapest(allowed);
            assertThat(plan.lateShare()).isLessThanOrEqualTo(allowed + 1e-9);
            assertThat(plan.polls()).isLessThanOrEqualTo(previous + 1e-9);
            assertThat(planner.fewestPolls(allowed)).isLessThanOrEqualTo(plan.polls() + 1e-9);
            previous = plan.polls();
        }
    }

    @Test
    void theKnownFloorForUniformJobsAtAFixedPollsLagIsMet() {
        // BENCHMARKS.md: for 60-180 s jobs at a p95 lag of 4.75 s, about 12.5 polls (13.5 requests with the submit)
        double polls = new PollPlanner(uniform(60, 180, 0.25, 200), 0.25, 5, 4.75, true).fewestPolls(0.05);

        assertThat(polls).isBetween(11.5, 12.6);
    }

    @Test
    void theBimodalGapIsSkipped() {
        double[] s = new double[241];
        for (int k = 0; k < s.length; k++) {
            s[k] = k < 25
                    ? 1
                    : k < 35 ? 1 - 0.4 * (k - 25) / 10.0 : k < 135 ? 0.6 : Math.max(0, 0.6 * (165 - k) / 30.0);
        }

        List<Integer> ages = ages(new PollPlanner(s, 1, 5, 8, true).cheapest(0.05));

        assertThat(ages).noneMatch(k -> k > 45 && k < 125);
    }

    @Test
    void anOpenCurveLeavesTheAgesPastItsEndToTheCaller() {
        double[] nothingEndedYet = new double[51];
        java.util.Arrays.fill(nothingEndedYet, 1);

        PollPlanner.Plan plan = new PollPlanner(nothingEndedYet, 1, 5, 8, false).cheapest(0.05);

        assertThat(ages(plan)).as("straight to where the knowledge ends").hasSize(1);
        assertThat(ages(plan).get(0)).isGreaterThan(45);
        assertThat(plan.nextPoll()[48]).isEqualTo(-1);
    }
}
