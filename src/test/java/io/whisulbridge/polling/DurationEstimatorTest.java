package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DurationEstimatorTest {

    @Test
    void hasNoQuantileBeforeTheFirstSample() {
        assertThat(new DurationEstimator(10, 1).quantile(0.5)).isNull();
    }

    @Test
    void quantilesOfRecordedDurations() {
        DurationEstimator estimator = new DurationEstimator(100, 1);
        IntStream.rangeClosed(1, 100).forEach(i -> estimator.record(Duration.ofSeconds(i)));

        assertThat(estimator.quantile(0.05)).isEqualTo(Duration.ofSeconds(5));
        assertThat(estimator.quantile(0.5)).isEqualTo(Duration.ofSeconds(50));
        assertThat(estimator.quantile(1.0)).isEqualTo(Duration.ofSeconds(100));
    }

    @Test
    void keepsOnlyTheMostRecentWindowSoItFollowsAChange() {
        DurationEstimator estimator = new DurationEstimator(10, 1);
        IntStream.range(0, 10).forEach(i -> estimator.record(Duration.ofSeconds(100)));
        IntStream.range(0, 10).forEach(i -> estimator.record(Duration.ofSeconds(20)));

        assertThat(estimator.samples()).isEqualTo(10);
        assertThat(estimator.quantile(0.95)).isEqualTo(Duration.ofSeconds(20));
    }
}
