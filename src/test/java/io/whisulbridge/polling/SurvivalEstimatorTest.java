package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SurvivalEstimatorTest {

    private final SurvivalEstimator estimator = new SurvivalEstimator(Duration.ofMinutes(10), 1000);

    @Test
    void finishedJobsAloneGiveTheEmpiricalSurvivalCurve() {
        // 10 jobs: 4 of 30 s, 6 of 150 s
        IntStream.range(0, 4).forEach(i -> estimator.finished(Duration.ZERO, Duration.ofSeconds(30)));
        IntStream.range(0, 6).forEach(i -> estimator.finished(Duration.ZERO, Duration.ofSeconds(150)));

        double[] s = estimator.survival(1);

        assertThat(s[30]).isEqualTo(1.0);
        assertThat(s[31]).as("still running after 31 s").isCloseTo(0.6, within(1e-9));
        assertThat(s[150]).isCloseTo(0.6, within(1e-9));
        assertThat(s)
                .as("the last ending's bin, [150 s, 151 s), is the last known")
                .hasSize(152);
        assertThat(s[151]).isZero();
    }

    @Test
    void aBacklogOfLongJobsStillRunningTeachesThatJobsLastLongerThanTheFewThatFinished() {
        // a backlog at age 100 s: 10 short jobs finished at 30 s, 90 are still running (last seen at 100 s)
        IntStream.range(0, 10).forEach(i -> estimator.finished(Duration.ZERO, Duration.ofSeconds(30)));
        IntStream.range(0, 90).forEach(i -> estimator.running(Duration.ZERO, Duration.ofSeconds(100)));

        double[] s = estimator.survival(20);

        assertThat(s[31]).as("10 of 100 ended by 31 s").isCloseTo(0.9, within(1e-9));
        assertThat(s).as("known up to the age the running jobs reached").hasSize(101);
        assertThat(s[100]).isCloseTo(0.9, within(1e-9));
    }

    @Test
    void withoutTheRunningJobsTheSameBacklogWouldLookLikeAllJobsEndAt30Seconds() {
        IntStream.range(0, 10).forEach(i -> estimator.finished(Duration.ZERO, Duration.ofSeconds(30)));

        assertThat(estimator.survival(1)[31]).isZero();
    }

    @Test
    void aJobIsCountedOnceAcrossItsPollsSoPollingOftenDoesNotMakeItWeighMore() {
        SurvivalEstimator polledOften = new SurvivalEstimator(Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 10; i++) {
            for (int age = 5; age <= 60; age += 5) {
                polledOften.running(Duration.ofSeconds(age - 5), Duration.ofSeconds(age));
            }
            polledOften.finished(Duration.ofSeconds(60), Duration.ofSeconds(62));
            estimator.finished(Duration.ZERO, Duration.ofSeconds(62));
        }
        estimator.finished(Duration.ZERO, Duration.ofSeconds(40));
        polledOften.finished(Duration.ZERO, Duration.ofSeconds(40));

        assertThat(polledOften.survival(1)).containsExactly(estimator.survival(1));
    }

    @Test
    void trustsOnlyAgesAtWhichEnoughJobsWereSeen() {
        IntStream.range(0, 19).forEach(i -> estimator.running(Duration.ZERO, Duration.ofSeconds(50)));
        estimator.running(Duration.ZERO, Duration.ofSeconds(20));

        assertThat(estimator.survival(20)).hasSize(21);
        assertThat(estimator.survival(21)).containsExactly(1.0);
    }

    @Test
    void aDurationReportedShorterThanARunningAnswerCountsAtTheRunningAge() {
        // Whisul's whole-second timestamps: running at 61.4 s, reported as 60 s
        estimator.running(Duration.ZERO, Duration.ofMillis(61_400));
        estimator.finished(Duration.ofMillis(61_400), Duration.ofSeconds(60));

        double[] s = estimator.survival(1);

        assertThat(s).hasSize(63);
        assertThat(s[61]).isEqualTo(1.0);
        assertThat(s[62]).isZero();
    }

    @Test
    void oldObservationsFadeSoTheCurveFollowsWhisulWhenItSpeedsUp() {
        SurvivalEstimator small = new SurvivalEstimator(Duration.ofMinutes(10), 100);
        IntStream.range(0, 1000).forEach(i -> small.finished(Duration.ZERO, Duration.ofSeconds(120)));
        IntStream.range(0, 300).forEach(i -> small.finished(Duration.ZERO, Duration.ofSeconds(60)));

        assertThat(small.survival(1)[61]).as("mostly the recent 60 s jobs").isLessThan(0.2);
    }

    @Test
    void agesBeyondTheHorizonCountInTheLastBin() {
        SurvivalEstimator clipped = new SurvivalEstimator(Duration.ofSeconds(10), 10);
        clipped.finished(Duration.ZERO, Duration.ofSeconds(30));

        assertThat(clipped.survival(1)).hasSize(12);
        assertThat(clipped.survival(1)[11]).isZero();
        assertThat(clipped.updates()).isEqualTo(1);
    }
}
