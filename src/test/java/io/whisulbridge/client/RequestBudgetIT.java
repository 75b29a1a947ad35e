package io.whisulbridge.client;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.support.InjectWhisul;
import io.whisulbridge.support.OutcomeTopics;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.ScriptedWhisul.Request;
import io.whisulbridge.support.ScriptedWhisul.Script;
import io.whisulbridge.support.WithBrokerAndWhisul;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A hundred jobs that each want a call every 100-300 ms (some 500 calls/s) against a budget of 20/s: Whisul never
 * sees more than the budget, a burst of 429s slows everyone down at once, and the rate climbs back afterwards.
 * Nothing is dropped on the way: every prompt ends as a song.
 */
@QuarkusTest
@TestProfile(RequestBudgetIT.TwentyPerSecond.class)
@WithBrokerAndWhisul
class RequestBudgetIT {

    private static final int LIMIT = 20;
    /**
     * What one second may hold beyond the limit: the bucket's burst (100 ms of calls, 2 at 20/s, see
     * {@link AimdRate#BURST_SECONDS}), plus one for transport jitter, since arrivals at the stand-in are measured
     * a few milliseconds after the budget let them out and two may arrive closer together than they left.
     */
    private static final int ALLOWANCE = 3;

    private static final int PROMPTS = 100;
    private static final int THROTTLED = 3;
    private static final Duration RECOVERY = Duration.ofSeconds(5);
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @Inject
    BridgeConfig config;

    @Test
    void manyJobsStayWithinTheBudgetAndA429BurstSlowsEveryoneThenTheRateRecovers() {
        assertThat(config.whisul().maxRequestsPerSecond())
                .as("the profile's budget is in force")
                .isEqualTo(LIMIT);
        String batch = UUID.randomUUID().toString();
        List<String> ids =
                IntStream.range(0, PROMPTS).mapToObj(i -> batch + "-" + i).toList();
        // jobs outlive the whole scenario, so demand stays far above the budget while the rate is measured
        ids.forEach(id -> whisul.script("budget " + id, Script.defaults().runsFor(Duration.ofSeconds(10))));

        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            warmUp(topics);
            int from = whisul.requests().size();
            topics.publishPrompts(ids.stream()
                    .map(id -> new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, "budget " + id)))
                    .toList());

            await().atMost(Duration.ofSeconds(20)).until(() -> whisul.requests().size() - from >= 60);
            whisul.throttleNext(THROTTLED, "1");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> whisul.requests().stream()
                                    .filter(Request::throttled)
                                    .count()
                            == THROTTLED);
            List<Long> throttledAt = whisul.requests().stream()
                    .filter(Request::throttled)
                    .map(Request::atNanos)
                    .toList();
            long lastThrottle = throttledAt.get(THROTTLED - 1);

            long recovered = lastThrottle + S + RECOVERY.toNanos() + S;
            await().atMost(Duration.ofSeconds(20)).until(() -> System.nanoTime() - (recovered + 2 * S) > 0);
            List<Long> arrivals = arrivals(from);

            for (long throttle : throttledAt) {
                assertThat(count(arrivals, throttle + 50 * MS, throttle + 950 * MS))
                        .as("Retry-After: 1 holds every call for a second")
                        .isZero();
            }
            assertThat(count(arrivals, lastThrottle + S, lastThrottle + 2 * S))
                    .as("after the pause the rate is a fraction of the budget")
                    .isLessThanOrEqualTo(LIMIT / 2);
            assertThat(count(arrivals, recovered, recovered + 2 * S))
                    .as("back at the budget within WHISUL_RATE_RECOVERY_TIME")
                    .isBetween(2 * LIMIT * 8 / 10, 2 * LIMIT + ALLOWANCE);

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> topics.outcomesWhere(outcome -> outcome.key().startsWith(batch))
                                    .size()
                            == PROMPTS);
            assertThat(topics.outcomesWhere(outcome -> outcome.key().startsWith(batch)))
                    .as("calls that waited were delayed, not dropped")
                    .allMatch(OutcomeTopics.Outcome::isSong);

            List<Long> all = arrivals(from);
            int busiest = all.stream()
                    .mapToInt(start -> count(all, start, start + S))
                    .max()
                    .orElse(0);
            long first = all.get(0);
            System.out.printf(
                    "request budget: %d requests, busiest second %d (limit %d/s); per second: %s%n",
                    all.size(),
                    busiest,
                    LIMIT,
                    IntStream.rangeClosed(0, (int) ((all.get(all.size() - 1) - first) / S))
                            .mapToObj(
                                    second -> String.valueOf(count(all, first + second * S, first + (second + 1) * S)))
                            .toList());
            assertThat(busiest).as("requests in any one second").isLessThanOrEqualTo(LIMIT + ALLOWANCE);
        }
    }

    /**
     * A few jobs first: a cold JVM answers its first calls slowly, so the client opens a connection per call and
     * sends several at once when they connect. That bunching happens after the budget let the calls out; it is not
     * what this test measures.
     */
    private void warmUp(OutcomeTopics topics) {
        String warm = UUID.randomUUID().toString();
        List<String> ids = IntStream.range(0, 5).mapToObj(i -> warm + "-" + i).toList();
        topics.publishPrompts(ids.stream()
                .map(id -> new ProducerRecord<>(TopicSet.PROMPTS, id, prompt(id, "warm-up " + id)))
                .toList());
        await().atMost(Duration.ofSeconds(20))
                .until(() -> topics.outcomesWhere(outcome -> outcome.key().startsWith(warm))
                                .size()
                        == ids.size());
    }

    private List<Long> arrivals(int from) {
        List<Request> requests = whisul.requests();
        return requests.subList(from, requests.size()).stream()
                .map(Request::atNanos)
                .toList();
    }

    /** Arrivals in [from, to). */
    private static int count(List<Long> arrivals, long from, long to) {
        return (int)
                arrivals.stream().filter(at -> at - from >= 0 && at - to < 0).count();
    }

    public static class TwentyPerSecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "whisul.max-requests-per-second", String.valueOf(LIMIT),
                    "whisul.rate-recovery-time", RECOVERY.toSeconds() + "s",
                    // calls wait seconds for the budget here: the job deadline and retries must not be what ends a job
                    "whisul.job-max-wait", "60s",
                    "whisul.max-retries", "8",
                    // polls go before submits (issue 13): at the suite's 100 ms interval 100 jobs' polls alone would
                    // keep the budget busy for the whole test; every 2 s they still ask 2.5 times the budget
                    "whisul.poll-initial-delay", "2s",
                    "whisul.poll-interval", "2s",
                    "whisul.poll-max-interval", "2s",
                    "bridge.consumer-group", "whisul-bridge-request-budget");
        }
    }
}
