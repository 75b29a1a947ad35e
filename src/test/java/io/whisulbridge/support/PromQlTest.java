package io.whisulbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void findsTheMetricsOfAnAggregatedRatio() {
        String ratio = "sum by (job) (rate(a_total{reason!~\"COMPLETED|X\", job=\"$job\"}[15m]))"
                + " / sum without (instance) (rate(b_total[$__rate_interval])) > 0.1";

        assertThat(PromQl.metricNames(ratio)).containsExactly("a_total", "b_total");
    }

    @Test
    void skipsFunctionsKeywordsLabelsDurationsAndOffsets() {
        String expr = "histogram_quantile(0.95, sum(rate(h_bucket[5m])) by (le, endpoint)) > 30"
                + " and on(job) group_left(instance) deriv(max by (job) (max_over_time(g{client_id=\"c\"}[10m]))[30m:1m]) > 0"
                + " unless x offset 1h or up == bool 0";

        assertThat(PromQl.metricNames(expr)).containsExactly("g", "h_bucket", "up", "x");
    }

    @Test
    void aBareSelectorIsAMetricAndAStringIsNot() {
        assertThat(PromQl.metricNames("whisul_bridge_ready == 0")).containsExactly("whisul_bridge_ready");
        assertThat(PromQl.metricNames("label_replace(m, \"dst\", \"not_a_metric\", \"src\", \"(.*)\")"))
                .containsExactly("m");
    }
}
