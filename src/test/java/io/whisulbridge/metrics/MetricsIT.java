package io.whisulbridge.metrics;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.restassured.RestAssured;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.core.json.JsonObject;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.domain.FailureReason;
import io.whisulbridge.support.InjectWhisul;
import io.whisulbridge.support.OutcomeTopics;
import io.whisulbridge.support.PromQl;
import io.whisulbridge.support.PrometheusText;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.ScriptedWhisul.Reply;
import io.whisulbridge.support.ScriptedWhisul.Script;
import io.whisulbridge.support.WithBrokerAndWhisul;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What an operator scrapes from the management port: every meter of docs/operations.md is there from the start,
 * the ones fed by the Whisul client and the request budget move when a job runs, and the Grafana dashboard and the
 * alert rules under deploy/ ask only for series that exist.
 */
@QuarkusTest
@WithBrokerAndWhisul
class MetricsIT {

    static final String PROMPT_CONSUMER_LAG = "kafka_consumer_fetch_manager_records_lag_max";

    /** Prometheus names of every meter the service registers, as docs/operations.md lists them. */
    static final List<String> EXPORTED = List.of(
            "whisul_bridge_prompts_received_total",
            "whisul_bridge_prompts_rejected_total",
            "whisul_bridge_jobs_submitted_total",
            "whisul_bridge_outcomes_total",
            "whisul_bridge_jobs_in_flight",
            "whisul_bridge_job_duration_seconds_bucket",
            "whisul_bridge_job_duration_seconds_count",
            "whisul_bridge_job_duration_seconds_sum",
            "whisul_bridge_job_duration_seconds_max",
            "whisul_bridge_job_polls_bucket",
            "whisul_bridge_job_polls_count",
            "whisul_bridge_job_polls_sum",
            "whisul_bridge_job_polls_max",
            "whisul_bridge_whisul_requests_seconds_bucket",
            "whisul_bridge_whisul_requests_seconds_count",
            "whisul_bridge_whisul_requests_seconds_sum",
            "whisul_bridge_whisul_requests_seconds_max",
            "whisul_bridge_retries_total",
            "whisul_bridge_budget_wait_seconds_bucket",
            "whisul_bridge_budget_wait_seconds_count",
            "whisul_bridge_budget_wait_seconds_sum",
            "whisul_bridge_budget_wait_seconds_max",
            "whisul_bridge_budget_poll_wait_seconds_bucket",
            "whisul_bridge_budget_poll_wait_seconds_count",
            "whisul_bridge_budget_poll_wait_seconds_sum",
            "whisul_bridge_budget_poll_wait_seconds_max",
            "whisul_bridge_budget_rate",
            "whisul_bridge_budget_limit",
            "whisul_bridge_budget_share",
            "whisul_bridge_budget_waiting",
            "whisul_bridge_ready",
            PROMPT_CONSUMER_LAG);

    /** Series Prometheus itself adds to every target. */
    static final Set<String> FROM_PROMETHEUS = Set.of("up");

    private static final Path ROOT = projectRoot();

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @Inject
    BridgeConfig config;

    @Test
    void everyMeterIsExportedWithEveryLabelValueBeforeAnythingHappens() {
        PrometheusText scrape = scrape();

        assertThat(scrape.names()).containsAll(EXPORTED);
        assertThat(labelValues(scrape, "whisul_bridge_prompts_rejected_total", "reason"))
                .containsExactlyInAnyOrder("invalid", "unreadable");
        List<String> reasons = new ArrayList<>(
                Arrays.stream(FailureReason.values()).map(Enum::name).toList());
        reasons.add("COMPLETED");
        assertThat(labelValues(scrape, "whisul_bridge_outcomes_total", "reason"))
                .containsExactlyInAnyOrderElementsOf(reasons);
        assertThat(labelValues(scrape, "whisul_bridge_retries_total", "phase"))
                .containsExactlyInAnyOrder("submit", "poll");
        assertThat(labelValues(scrape, "whisul_bridge_whisul_requests_seconds_count", "endpoint"))
                .contains("generate", "job", "probe");
        assertThat(labelValues(scrape, "whisul_bridge_whisul_requests_seconds_count", "status"))
                .contains("429");
        assertThat(scrape.samples("whisul_bridge_job_duration_seconds_bucket"))
                .as("a histogram with its buckets")
                .hasSizeGreaterThan(5);
        assertThat(scrape.samples("whisul_bridge_job_polls_bucket")).hasSizeGreaterThan(5);
        assertThat(scrape.samples("whisul_bridge_budget_wait_seconds_bucket")).hasSizeGreaterThan(5);
        double limit = config.whisul().maxRequestsPerSecond();
        assertThat(scrape.sum("whisul_bridge_budget_limit"))
                .as("the configured budget")
                .isEqualTo(limit);
        assertThat(scrape.sum("whisul_bridge_budget_rate")).isBetween(Math.min(1, limit), limit);
        assertThat(scrape.sum("whisul_bridge_budget_share"))
                .as("the only instance owns every prompt partition")
                .isEqualTo(1);
    }

    @Test
    void noSeriesIsTaggedWithARequestIdJobIdOrPrompt() {
        Set<String> labels = new TreeSet<>();
        PrometheusText scrape = scrape();
        scrape.names().stream()
                .filter(name -> name.startsWith("whisul_bridge_"))
                .forEach(name -> scrape.samples(name)
                        .forEach(sample -> labels.addAll(sample.labels().keySet())));

        // each of these takes a handful of values: the webhook meters' result and status_class, and the archive's
        // result (archived / partial / failed, whisul_bridge_archive_songs_total); tenant at most 11 (TenantMetrics)
        assertThat(labels)
                .isSubsetOf("reason", "phase", "endpoint", "status", "le", "result", "status_class", "tenant");
    }

    @Test
    void aJobMovesTheClientBudgetAndOutcomeMeters() {
        PrometheusText before = scrape();
        String id = UUID.randomUUID().toString();
        whisul.script("metered " + id, Script.defaults().runsFor(Duration.ofMillis(300)));

        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompt(id, prompt(id, "metered " + id));
            assertThat(topics.awaitOutcome(id).isSong()).isTrue();
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            PrometheusText after = scrape();
            assertThat(delta(
                            before,
                            after,
                            "whisul_bridge_whisul_requests_seconds_count",
                            "endpoint",
                            "generate",
                            "status",
                            "202"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(delta(
                            before,
                            after,
                            "whisul_bridge_whisul_requests_seconds_count",
                            "endpoint",
                            "job",
                            "status",
                            "200"))
                    .as("polled while running, then once more to see it completed")
                    .isGreaterThanOrEqualTo(2);
            assertThat(delta(before, after, "whisul_bridge_whisul_requests_seconds_sum"))
                    .isPositive();
            assertThat(delta(before, after, "whisul_bridge_whisul_requests_seconds_bucket", "le", "+Inf"))
                    .isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "whisul_bridge_budget_wait_seconds_count"))
                    .as("every call takes a permit")
                    .isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "whisul_bridge_outcomes_total", "reason", "COMPLETED"))
                    .isGreaterThanOrEqualTo(1);
        });
    }

    @Test
    void thePipelineMovesItsMeters() {
        PrometheusText before = scrape();
        String song = UUID.randomUUID().toString();
        String retried = UUID.randomUUID().toString();
        String invalid = UUID.randomUUID().toString();
        String unreadable = UUID.randomUUID().toString();
        whisul.script("metered long " + song, Script.defaults().runsFor(Duration.ofSeconds(2)));
        whisul.script(
                "metered retried " + retried,
                Script.defaults()
                        .submitsFirstGet(Reply.json(500, "{\"error\":\"oops\"}"))
                        .pollsGet(
                                Reply.json(503, "{\"error\":\"busy\"}"),
                                Reply.json(200, ScriptedWhisul.completedBody("187"))));

        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompt(song, prompt(song, "metered long " + song));
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(scrape().sum("whisul_bridge_jobs_in_flight"))
                            .isGreaterThanOrEqualTo(1));
            topics.publishPrompt(retried, prompt(retried, "metered retried " + retried));
            topics.publishPrompt(
                    invalid, new JsonObject().put("request_id", invalid).encode());
            topics.publishRaw(
                    unreadable.getBytes(StandardCharsets.UTF_8),
                    ("not json " + unreadable).getBytes(StandardCharsets.UTF_8));
            List.of(song, retried, invalid, unreadable).forEach(topics::awaitOutcome);
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            PrometheusText after = scrape();
            assertThat(delta(before, after, "whisul_bridge_prompts_received_total"))
                    .isGreaterThanOrEqualTo(4);
            assertThat(delta(before, after, "whisul_bridge_prompts_rejected_total", "reason", "invalid"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(delta(before, after, "whisul_bridge_prompts_rejected_total", "reason", "unreadable"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(delta(before, after, "whisul_bridge_jobs_submitted_total"))
                    .isGreaterThanOrEqualTo(2);
            assertThat(delta(before, after, "whisul_bridge_retries_total", "phase", "submit"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(delta(before, after, "whisul_bridge_retries_total", "phase", "poll"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(delta(before, after, "whisul_bridge_job_duration_seconds_count"))
                    .isGreaterThanOrEqualTo(2);
            assertThat(delta(before, after, "whisul_bridge_job_duration_seconds_sum"))
                    .as("one job ran 2 s")
                    .isGreaterThanOrEqualTo(2);
            assertThat(delta(before, after, "whisul_bridge_job_polls_count")).isGreaterThanOrEqualTo(2);
            assertThat(delta(before, after, "whisul_bridge_job_polls_sum")).isGreaterThanOrEqualTo(3);
            assertThat(delta(before, after, "whisul_bridge_outcomes_total", "reason", "INVALID_PROMPT"))
                    .isGreaterThanOrEqualTo(2);
        });
    }

    @Test
    void theServiceReportsItselfReady() {
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(
                        () -> assertThat(scrape().sum("whisul_bridge_ready")).isEqualTo(1));
    }

    @Test
    void theReadinessGaugeDropsWhileWhisulRejectsTheKeyAndRecovers() {
        await().atMost(Duration.ofSeconds(20)).until(() -> scrape().sum("whisul_bridge_ready") == 1);
        String id = UUID.randomUUID().toString();
        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            whisul.acceptKey("a-regenerated-key");
            try {
                topics.publishPrompt(id, prompt(id, "key check " + id));
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(scrape().sum("whisul_bridge_ready"))
                                .as("readiness DOWN: key rejected")
                                .isZero());
            } finally {
                whisul.acceptKey(ScriptedWhisul.KEY);
            }
            assertThat(topics.awaitOutcome(id).isSong()).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> scrape().sum("whisul_bridge_ready") == 1);
    }

    @Test
    void thePromptConsumersLagIsExportedByTheKafkaBinder() {
        String id = UUID.randomUUID().toString();
        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompt(id, prompt(id, "lagging " + id));
            topics.awaitOutcome(id);
        }

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                scrape().samples(PROMPT_CONSUMER_LAG, "client_id", "kafka-consumer-prompts-in"))
                        .singleElement()
                        .satisfies(lag -> assertThat(lag.value())
                                .as("fetched since start-up, so a number")
                                .isNotNaN()
                                .isGreaterThanOrEqualTo(0)));
    }

    @Test
    void theDashboardAndTheAlertRulesUseOnlyExportedSeries() throws IOException {
        Map<String, String> expressions = new TreeMap<>();
        expressions.putAll(dashboardExpressions());
        expressions.putAll(alertExpressions());
        PrometheusText scrape = scrape();

        Map<String, Set<String>> missing = new TreeMap<>();
        expressions.forEach((where, expr) -> {
            Set<String> names = PromQl.metricNames(expr);
            assertThat(names).as(where + " names a metric: " + expr).isNotEmpty();
            names.stream()
                    .filter(name ->
                            !FROM_PROMETHEUS.contains(name) && !scrape.names().contains(name))
                    .forEach(name ->
                            missing.computeIfAbsent(name, n -> new TreeSet<>()).add(where));
        });

        assertThat(missing)
                .as("metrics used in deploy/ that /q/metrics does not export")
                .isEmpty();
        assertThat(expressions.values())
                .anyMatch(expr -> expr.contains(PROMPT_CONSUMER_LAG))
                .anyMatch(expr -> expr.contains("whisul_bridge_ready"))
                .anyMatch(expr -> expr.contains("status=\"429\""));
    }

    @Test
    void theAlertRulesCoverReadinessFailuresLagAndRateLimiting() throws IOException {
        JsonNode rules = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/prometheus/whisul-bridge-alerts.yaml")
                        .toFile())
                .path("groups")
                .get(0)
                .path("rules");
        List<String> alerts = new ArrayList<>();
        rules.forEach(rule -> {
            alerts.add(rule.path("alert").asText());
            assertThat(rule.path("expr").asText()).isNotBlank();
            assertThat(rule.path("for").asText()).matches("\\d+[smh]");
            assertThat(rule.path("labels").path("severity").asText()).isIn("critical", "warning", "info");
            assertThat(rule.path("annotations").path("summary").asText()).isNotBlank();
            assertThat(rule.path("annotations").path("description").asText()).isNotBlank();
        });

        assertThat(alerts)
                .contains(
                        "WhisulBridgeDown",
                        "WhisulBridgeNotReady",
                        "WhisulBridgeHighFailureRatio",
                        "WhisulBridgeConsumerLagGrowing",
                        "WhisulBridgeRateLimited",
                        "WhisulBridgeArchiveIncomplete");
    }

    @Test
    void everyDashboardQueryUsesTheDatasourceVariable() throws IOException {
        JsonNode dashboard = new ObjectMapper()
                .readTree(ROOT.resolve("deploy/grafana/whisul-bridge-dashboard.json")
                        .toFile());
        JsonNode variables = dashboard.path("templating").path("list");

        assertThat(variables.get(0).path("type").asText()).isEqualTo("datasource");
        assertThat(variables.get(0).path("query").asText()).isEqualTo("prometheus");
        String variable = "${" + variables.get(0).path("name").asText() + "}";
        dashboard.path("panels").forEach(panel -> {
            if (!"row".equals(panel.path("type").asText())) {
                assertThat(panel.path("datasource").path("uid").asText())
                        .as(panel.path("title").asText())
                        .isEqualTo(variable);
                panel.path("targets")
                        .forEach(target -> assertThat(
                                        target.path("datasource").path("uid").asText())
                                .isEqualTo(variable));
            }
        });
    }

    private static Map<String, String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper()
                .readTree(ROOT.resolve("deploy/grafana/whisul-bridge-dashboard.json")
                        .toFile());
        Map<String, String> out = new TreeMap<>();
        dashboard
                .path("panels")
                .forEach(panel -> panel.path("targets")
                        .forEach(target -> out.put(
                                "dashboard panel '" + panel.path("title").asText() + "' "
                                        + target.path("refId").asText(),
                                target.path("expr").asText())));
        Pattern labelValues = Pattern.compile("label_values\\(\\s*([^,]+),");
        dashboard.path("templating").path("list").forEach(variable -> {
            Matcher query =
                    labelValues.matcher(variable.path("query").path("query").asText(""));
            if (query.find()) {
                out.put("dashboard variable " + variable.path("name").asText(), query.group(1));
            }
        });
        return out;
    }

    private static Map<String, String> alertExpressions() throws IOException {
        JsonNode groups = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/prometheus/whisul-bridge-alerts.yaml")
                        .toFile())
                .path("groups");
        Map<String, String> out = new TreeMap<>();
        groups.forEach(group -> group.path("rules")
                .forEach(rule -> out.put(
                        "alert " + rule.path("alert").asText(),
                        rule.path("expr").asText())));
        return out;
    }

    private static Set<String> labelValues(PrometheusText scrape, String name, String label) {
        Set<String> values = new TreeSet<>();
        scrape.samples(name).forEach(sample -> values.add(sample.labels().get(label)));
        return values;
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(
                RestAssured.get(metrics).then().statusCode(200).extract().asString());
    }

    private static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("deploy")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no project root with deploy/ above " + Path.of("").toAbsolutePath());
    }
}
