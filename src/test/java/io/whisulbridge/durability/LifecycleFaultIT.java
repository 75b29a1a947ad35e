package io.whisulbridge.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.emulator.EmulatorSettings;
import io.whisulbridge.emulator.WhisulEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The service's lifecycle meeting faults, with real processes: a SIGTERM while prompts wait for a rejected key, a storm
 * of 429s, a takeover during a backlog, a crash right after an outcome reached the broker, unreadable records, and a
 * rolling restart under load. One broker process and one emulator for the class, a {@link Scenario} (own topics and
 * consumer group) per test; each test prints the counts it asserts on, prefixed {@code [lifecycle]}.
 */
class LifecycleFaultIT {

    private static final Path WORK = Stage.WORK;
    private static final String KEY = Stage.KEY;
    private static final Duration ALL_OUTCOMES = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BrokerProcess broker;
    private static WhisulEmulator whisul;
    private static EmulatorSettings initialSettings;

    private Scenario scenario;
    private String testName;

    @BeforeAll
    static void shareTheStage() throws Exception {
        Stage stage = Stage.get();
        broker = stage.broker;
        whisul = stage.whisul;
        // short jobs by default; a test that needs longer ones sets them and @AfterEach puts these back
        initialSettings = Stage.settings()
                .jobDuration(Duration.ofSeconds(2), Duration.ofSeconds(4))
                .build();
    }

    @BeforeEach
    void newScenario(TestInfo test) throws Exception {
        whisul.updateSettings(initialSettings);
        testName = test.getTestMethod().orElseThrow().getName();
        String name = testName.replaceAll("[^A-Za-z0-9]", "").toLowerCase();
        scenario = new Scenario(name.substring(0, Math.min(40, name.length())), broker, whisul, WORK);
    }

    @AfterEach
    void restoreWhisul() {
        whisul.updateSettings(initialSettings);
    }

    @Test
    void sigtermWhilePromptsWaitForARejectedKeyDeadLettersNothing() throws Exception {
        List<String> ids = Scenario.requestIds("lc-key", 30);
        try (BridgeProcess first =
                scenario.startBridge("first", Map.of("WHISUL_MAX_REQUESTS_PER_SECOND", "2"), List.of())) {
            scenario.publish(ids);
            // a budget of 2 calls/s: a few jobs are accepted while most admitted prompts still wait to be submitted
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> totalSubmissions(ids) >= 3);
            whisul.updateSettings(b -> b.apiKeys("a-key-the-bridge-does-not-have")); // the bridge's key now gets 401
            long submittedAtRejection = totalSubmissions(ids);
            Thread.sleep(3_000); // calls already queued meet the 401: accepted jobs' polls and waiting submits
            Duration exit = first.sigterm(Duration.ofSeconds(40));
            List<Scenario.TopicRecord> deadLetters = scenario.deadLetters();
            System.out.printf(
                    "[lifecycle] %s: key rejected after %d submission(s); SIGTERM exit after %d ms; "
                            + "prompts in %d, submissions %d, outcomes so far %d, dead letters %d%s%n",
                    testName,
                    submittedAtRejection,
                    exit.toMillis(),
                    ids.size(),
                    totalSubmissions(ids),
                    scenario.outcomeRecords().size(),
                    deadLetters.size(),
                    deadLetterReasons(deadLetters));
            assertThat(keys(deadLetters))
                    .as("keys of the records on the dead-letter topic after a SIGTERM while prompts "
                            + "waited for a rejected key" + deadLetterReasons(deadLetters))
                    .isEmpty();
        }
        whisul.updateSettings(b -> b.apiKeys(KEY));
        try (BridgeProcess second = scenario.startBridge("second")) {
            awaitEveryOutcome(ids);
            Counts counts = report("after the key came back and a restart", ids);
            counts.assertExactlyOneOutcomeEach(ids);
            counts.assertSubmittedOnceEach();
            assertThat(keys(scenario.deadLetters())).as("keys of dead letters").isEmpty();
        }
    }

    @Test
    void aStormOf429sOverRunningAndNewJobsFailsNoRequest() throws Exception {
        whisul.updateSettings(b -> b.jobDuration(Duration.ofSeconds(4), Duration.ofSeconds(8)));
        // Few jobs, and retries capped at 2 s: each job then meets far more than WHISUL_MAX_RETRIES (8) 429s in a row
        // during the storm. With many jobs the budget's own halving on 429 spreads a slow trickle of calls over them,
        // and no single job would meet nine, so the test would pass whether or not a 429 counts as a retry.
        List<String> before = Scenario.requestIds("lc-storm-a", 2);
        List<String> during = Scenario.requestIds("lc-storm-b", 1);
        List<String> ids = new ArrayList<>(before);
        ids.addAll(during);
        try (BridgeProcess bridge = scenario.startBridge("only", Map.of("WHISUL_RETRY_MAX_BACKOFF", "2s"), List.of())) {
            scenario.publish(before);
            awaitAllSubmitted(before);
            long injectedBefore = whisul.stats().injectedRateLimits();
            Instant stormStart = Instant.now();
            // the injected 429 comes after authentication and applies to POST /generate and GET /jobs/{id} alike
            whisul.updateSettings(b -> b.rateLimitedProbability(1.0).retryAfterSeconds(1));
            Thread.sleep(5_000);
            scenario.publish(during);
            long untilEnd = Duration.ofSeconds(30)
                    .minus(Duration.between(stormStart, Instant.now()))
                    .toMillis();
            Thread.sleep(Math.max(0, untilEnd));
            whisul.updateSettings(b -> b.rateLimitedProbability(0.0));
            long stormed = whisul.stats().injectedRateLimits() - injectedBefore;
            System.out.printf(
                    "[lifecycle] %s: the storm lasted %d s and answered %d call(s) with 429 (%d outcome(s) "
                            + "published during it)%n",
                    testName,
                    Duration.between(stormStart, Instant.now()).toSeconds(),
                    stormed,
                    scenario.outcomeRecords().size());
            awaitEveryOutcome(ids);
            Counts counts = report("after a 30 s storm of 429s", ids);
            assertThat(counts.failures)
                    .as("records on song-failures (reasons: " + counts.failureReasons + ")")
                    .isZero();
            counts.assertExactlyOneOutcomeEach(ids);
            assertThat(ids)
                    .allSatisfy(id -> assertThat(counts.songsByKey.getOrDefault(id, 0))
                            .as("songs of " + id)
                            .isEqualTo(1));
        }
    }

    @Test
    void takeoverDuringABacklogNeverExceedsTheInFlightLimit() throws Exception {
        int limit = 5;
        whisul.updateSettings(b -> b.jobDuration(Duration.ofSeconds(6), Duration.ofSeconds(8)));
        List<String> ids = Scenario.requestIds("lc-take", 30);
        Map<String, String> env = Map.of("BRIDGE_MAX_IN_FLIGHT", String.valueOf(limit));
        try (BridgeProcess a = scenario.startBridge("a", env, List.of());
                BridgeProcess b = scenario.startBridge("b", env, List.of());
                Sampler sampler = new Sampler(b, "whisul_bridge_jobs_in_flight")) {
            scenario.publish(ids);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> a.metric("whisul_bridge_jobs_submitted_total").orElse(0) >= 1
                            && b.metric("whisul_bridge_jobs_submitted_total").orElse(0) >= 1);
            long submittedAtKill = totalSubmissions(ids);
            a.kill9();
            awaitEveryOutcome(ids);
            sampler.close();
            OptionalDouble highest = b.metric("whisul_bridge_jobs_in_flight_max");
            Counts counts = report("after kill -9 of one of two instances with a backlog", ids);
            System.out.printf(
                    "[lifecycle] %s: limit %d, %d submission(s) at the kill; survivor's whisul_bridge_jobs_in_flight_max %s, "
                            + "whisul_bridge_jobs_in_flight sampled every 100 ms peaked at %s (%d samples)%n",
                    testName,
                    limit,
                    submittedAtKill,
                    highest.isPresent() ? String.valueOf(highest.getAsDouble()) : "ABSENT",
                    sampler.peak() < 0 ? "ABSENT" : String.valueOf(sampler.peak()),
                    sampler.samples());
            if (highest.isEmpty()) {
                fail(
                        "the survivor does not export whisul_bridge_jobs_in_flight_max (the most jobs admitted at once since "
                                + "start); its whisul_bridge_jobs_in_flight, sampled every 100 ms, peaked at "
                                + sampler.peak()
                                + " with a limit of " + limit);
            }
            assertThat(highest.getAsDouble())
                    .as("whisul_bridge_jobs_in_flight_max of the survivor (BRIDGE_MAX_IN_FLIGHT=" + limit + ")")
                    .isLessThanOrEqualTo(limit);
            counts.assertExactlyOneOutcomeEach(ids);
        }
    }

    @Test
    void crashAfterAFailureOutcomeIsPublishedRepublishesTheSameBytes() throws Exception {
        whisul.updateSettings(b -> b.failureProbability(1.0)); // decided at submit: every job of this test fails
        List<String> ids = Scenario.requestIds("lc-halt", 5);
        try (BridgeProcess first =
                scenario.startBridge("first", Map.of(), List.of("-Dwhisul-bridge.test.halt-after-publish=1"))) {
            // with a traceparent each, so that a republished outcome has one to compare
            for (String id : ids) {
                scenario.publishRaw(
                        null,
                        id,
                        ("{\"request_id\":\"" + id + "\",\"prompt\":\"" + Scenario.prompt(id) + "\"}")
                                .getBytes(StandardCharsets.UTF_8),
                        Map.of("traceparent", traceparent(id)));
            }
            crashRightAfterTheFirstOutcome(first);
        }
        int outcomesAtCrash = scenario.outcomeRecords().size();
        try (BridgeProcess second = scenario.startBridge("second")) {
            awaitEveryOutcome(ids);
            Counts counts = report("after a crash right after an outcome was published", ids);
            Map<String, List<Scenario.TopicRecord>> byKey = counts.recordsByKey;
            List<String> republished = byKey.entrySet().stream()
                    .filter(e -> e.getValue().size() > 1)
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            System.out.printf(
                    "[lifecycle] %s: %d outcome(s) on the broker at the crash; republished: %s%n",
                    testName, outcomesAtCrash, republished);
            for (String id : republished) {
                List<Scenario.TopicRecord> records = byKey.get(id);
                for (Scenario.TopicRecord record : records) {
                    System.out.printf(
                            "[lifecycle]   %s on %s, traceparent %s: %s%n",
                            id, record.topic(), record.headers().get("traceparent"), record.valueText());
                }
            }
            assertThat(counts.failures).as("records on song-failures").isEqualTo(counts.outcomes);
            assertThat(republished)
                    .as("requests whose outcome was published twice (the crash came between the "
                            + "publish and the ledger)")
                    .isNotEmpty();
            for (String id : republished) {
                List<Scenario.TopicRecord> records = byKey.get(id);
                Scenario.TopicRecord firstRecord = records.get(0);
                for (Scenario.TopicRecord again : records.subList(1, records.size())) {
                    assertThat(again.valueText())
                            .as("republished outcome of " + id)
                            .isEqualTo(firstRecord.valueText());
                    assertThat(again.value())
                            .as("republished outcome bytes of " + id)
                            .isEqualTo(firstRecord.value());
                    assertThat(again.headers().get("traceparent"))
                            .as("traceparent of the republished outcome of " + id)
                            .isEqualTo(firstRecord.headers().get("traceparent"));
                }
            }
            assertThat(counts.differingRepeats)
                    .as("requests with two different outcome values")
                    .isEmpty();
            assertThat(ids).allSatisfy(id -> assertThat(byKey).containsKey(id));
        }
    }

    /** The bridge runs with the test hook that halts it right after its first outcome reached the broker. */
    private void crashRightAfterTheFirstOutcome(BridgeProcess bridge) throws InterruptedException {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !scenario.outcomeRecords().isEmpty() || !bridge.isAlive());
        if (!bridge.awaitExit(Duration.ofSeconds(15))) {
            System.out.printf(
                    "[lifecycle] %s: %d outcome(s) on the broker, the bridge still running 15 s after the first%n",
                    testName, scenario.outcomeRecords().size());
            fail("the bridge started with -Dwhisul-bridge.test.halt-after-publish=1 was still running 15 s after its "
                    + "first outcome reached the broker: the test hook (Runtime.halt after the first publish, before "
                    + "the ledger records it) is missing");
        }
    }

    @Test
    void aRecordThatCannotBeReadNeverStopsTheIntake() throws Exception {
        List<String> ids = Scenario.requestIds("lc-intake", 5);
        String unreadableKey = "lc-unreadable";
        String ceKey = "lc-ce-bad-time";
        byte[] unreadable = "{not json".getBytes(StandardCharsets.UTF_8);
        byte[] ceValue = ("{\"request_id\":\"" + ceKey + "\",\"prompt\":\"" + Scenario.prompt(ceKey) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        try (BridgeProcess bridge = scenario.startBridge("only")) {
            // all on one partition, in this order: the ordinary prompts come after both odd records
            scenario.publishRaw(0, unreadableKey, unreadable, Map.of("content-type", "application/cloudevents+json"));
            Map<String, String> ceHeaders = new LinkedHashMap<>();
            ceHeaders.put("ce_specversion", "1.0");
            ceHeaders.put("ce_id", "x1");
            ceHeaders.put("ce_source", "/test");
            ceHeaders.put("ce_type", "t");
            ceHeaders.put("ce_time", "not-a-time");
            scenario.publishRaw(0, ceKey, ceValue, ceHeaders);
            for (String id : ids) {
                scenario.publishRaw(
                        0,
                        id,
                        ("{\"request_id\":\"" + id + "\",\"prompt\":\"" + Scenario.prompt(id) + "\"}")
                                .getBytes(StandardCharsets.UTF_8),
                        Map.of());
            }
            boolean allSongs = awaitQuietly(Duration.ofSeconds(45), () -> {
                Counts seen = counts(ids);
                // (b)'s job runs as long as theirs, in random order: wait for its outcome too, not only theirs
                return ids.stream().allMatch(seen.songsByKey::containsKey)
                        && seen.allRecords.stream().anyMatch(r -> ceKey.equals(r.key()));
            });
            Counts counts = report("after an unreadable record and a CloudEvent with a bad time", ids);
            List<Scenario.TopicRecord> deadLetters = scenario.deadLetters();
            long unreadableDeadLettered = deadLetters.stream()
                    .filter(r -> Arrays.equals(r.value(), unreadable))
                    .count();
            long ceDeadLettered = deadLetters.stream()
                    .filter(r -> Arrays.equals(r.value(), ceValue))
                    .count();
            List<Scenario.TopicRecord> ceOutcomes = counts.allRecords.stream()
                    .filter(r -> ceKey.equals(r.key()))
                    .toList();
            int liveness = bridge.liveness();
            System.out.printf(
                    "[lifecycle] %s: ordinary prompts with a song %d of %d; record (a) dead-lettered %d time(s); "
                            + "record (b) (ce_time not-a-time): %d dead letter(s), %d outcome(s) %s; dead letters %d%s; "
                            + "liveness %d; bridge alive %s%n",
                    testName,
                    ids.stream().filter(counts.songsByKey::containsKey).count(),
                    ids.size(),
                    unreadableDeadLettered,
                    ceDeadLettered,
                    ceOutcomes.size(),
                    ceOutcomes.stream().map(Scenario.TopicRecord::topic).toList(),
                    deadLetters.size(),
                    deadLetterReasons(deadLetters),
                    liveness,
                    bridge.isAlive());
            assertThat(allSongs)
                    .as("every ordinary prompt after the two odd records got its song within 45 s " + "(songs for "
                            + ids.stream()
                                    .filter(counts.songsByKey::containsKey)
                                    .toList() + ")")
                    .isTrue();
            assertThat(unreadableDeadLettered)
                    .as("record (a), '{not json' as application/cloudevents+json, on the " + "dead-letter topic")
                    .isEqualTo(1);
            // (b) is a binary-mode CloudEvent whose value is a prompt: the bridge reads only the envelope attributes it
            // needs, so a malformed ce_time does not make it unreadable
            assertThat(ceDeadLettered)
                    .as("record (b), a CloudEvent with ce_time 'not-a-time', dead-lettered")
                    .isZero();
            assertThat(ceOutcomes.stream().map(Scenario.TopicRecord::topic).toList())
                    .as("record (b)'s outcomes")
                    .containsExactly(scenario.topics().songs());
            assertThat(liveness).as("liveness of the bridge at the end").isEqualTo(200);
        }
    }

    @Test
    void rollingRestartOfThreeInstancesUnderLoadLosesNothingAndPaysOnce() throws Exception {
        List<String> ids = Scenario.requestIds("lc-roll", 150);
        List<BridgeProcess> bridges = new ArrayList<>();
        AtomicBoolean stopPublishing = new AtomicBoolean();
        AtomicInteger published = new AtomicInteger();
        AtomicReference<Throwable> publishFailure = new AtomicReference<>();
        Thread publisher = new Thread(
                () -> {
                    try {
                        for (int from = 0; from < ids.size() && !stopPublishing.get(); from += 5) {
                            List<String> batch = ids.subList(from, Math.min(ids.size(), from + 5));
                            scenario.publish(batch);
                            published.addAndGet(batch.size());
                            Thread.sleep(1_300); // 150 prompts over about 40 s
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Throwable e) {
                        publishFailure.set(e);
                    }
                },
                "lifecycle-publisher");
        try {
            for (String instance : List.of("a", "b", "c")) {
                bridges.add(scenario.startBridge(instance));
            }
            publisher.start();
            Thread.sleep(5_000);
            List<String> exits = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                BridgeProcess old = bridges.get(i);
                int publishedAtSigterm = published.get();
                Duration exit = old.sigterm(Duration.ofSeconds(40));
                bridges.set(i, scenario.startBridge(List.of("a", "b", "c").get(i) + "2")); // waits for readiness
                exits.add(String.format(
                        "%s: SIGTERM at %d published, exit %d ms, replacement ready at %d published",
                        List.of("a", "b", "c").get(i), publishedAtSigterm, exit.toMillis(), published.get()));
            }
            publisher.join(Duration.ofSeconds(90).toMillis());
            assertThat(publisher.isAlive())
                    .as("the publisher is still publishing")
                    .isFalse();
            assertThat(publishFailure.get()).as("publishing failed").isNull();
            System.out.printf(
                    "[lifecycle] %s: %d prompts published while each of 3 instances was replaced: %s%n",
                    testName, published.get(), exits);
            awaitEveryOutcome(ids);
            Counts counts = report("after a rolling restart of three instances under load", ids);
            List<Scenario.TopicRecord> deadLetters = scenario.deadLetters();
            System.out.printf(
                    "[lifecycle] %s: identical repeats %d, requests with differing repeats %s%n",
                    testName, counts.identicalRepeats, counts.differingRepeats);
            assertThat(counts.differingRepeats)
                    .as("requests with two different outcome values")
                    .isEmpty();
            assertThat(ids)
                    .allSatisfy(
                            id -> assertThat(counts.recordsByKey).as("outcomes").containsKey(id));
            counts.assertSubmittedOnceEach();
            assertThat(keys(deadLetters))
                    .as("keys of dead letters" + deadLetterReasons(deadLetters))
                    .isEmpty();
        } finally {
            stopPublishing.set(true);
            publisher.interrupt();
            publisher.join(10_000);
            for (BridgeProcess bridge : bridges) {
                bridge.close();
            }
        }
    }

    @Test
    void aFrozenInstanceThawedAfterItsPartitionsMovedPaysAndPublishesNothing() throws Exception {
        whisul.updateSettings(b -> b.jobDuration(Duration.ofSeconds(6), Duration.ofSeconds(9)));
        List<String> ids = Scenario.requestIds("lc-frozen", 40);
        // a's budget of 1 call/s keeps most of its admitted prompts waiting to be submitted when it freezes: after
        // the thaw every one of them is due at once, the moment a zombie would pay Whisul a second time
        try (BridgeProcess a = scenario.startBridge("a", Map.of("WHISUL_MAX_REQUESTS_PER_SECOND", "1"), List.of());
                BridgeProcess b = scenario.startBridge("b")) {
            scenario.publish(ids);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    // admitted, not dealt: a job is dealt a slot only as the submit before it gets its permit, so
                    // waiting for 5 in flight would freeze a at the moment a submit leaves (and b, finding only its
                    // intent in the ledger, would rightly submit it again)
                    .until(() -> a.metric("whisul_bridge_jobs_in_flight").orElse(0)
                                    + a.metric("whisul_bridge_prompts_queued").orElse(0)
                            >= 5);
            long submittedAtFreeze = totalSubmissions(ids);
            a.freeze();
            // past a's session timeout (10 s): b takes a's partitions, resumes its jobs and submits its intents
            awaitEveryOutcome(ids);
            long submittedBeforeThaw = totalSubmissions(ids);
            a.thaw();
            Thread.sleep(15_000); // a's overdue timers fire, its consumer learns it was fenced, rejoins
            Counts counts = report("after a froze past its session timeout and thawed", ids);
            System.out.printf(
                    "[lifecycle] %s: %d submission(s) at the freeze, %d before the thaw, %d after it; "
                            + "a refused %s fenced write(s) after the thaw; identical repeats %d%n",
                    testName,
                    submittedAtFreeze,
                    submittedBeforeThaw,
                    totalSubmissions(ids),
                    a.metric("whisul_bridge_fenced_writes_refused_total").orElse(-1),
                    counts.identicalRepeats);
            assertThat(counts.differingRepeats)
                    .as("requests with two different outcome values")
                    .isEmpty();
            counts.assertExactlyOneOutcomeEach(ids);
            counts.assertSubmittedOnceEach();
        }
    }

    @Test
    void aPartitionWhoseLedgerCannotBeReadIsNotTakenUntilItIs() throws Exception {
        whisul.updateSettings(b -> b.jobDuration(Duration.ofSeconds(8), Duration.ofSeconds(10)));
        List<String> ids = Scenario.requestIds("lc-ledger", 30);
        try (BridgeProcess first = scenario.startBridge("first")) {
            scenario.publish(ids);
            awaitAllSubmitted(ids);
            first.kill9();
        }
        // the next owner cannot read any ledger partition on its first two tries (as with its leader unreachable)
        try (BridgeProcess second =
                scenario.startBridge("second", Map.of(), List.of("-Dwhisul-bridge.test.fail-ledger-reads=2"))) {
            awaitEveryOutcome(ids);
            Counts counts = report("after a takeover whose ledger reads failed twice per partition", ids);
            long refusedReads = refusedReads(second);
            System.out.printf(
                    "[lifecycle] %s: %d ledger read(s) failed and left their partition untaken%n",
                    testName, refusedReads);
            // two per partition and assignment: a rebalance while the killed instance's session expires may assign a
            // partition twice, and each assignment reads its ledger anew
            assertThat(refusedReads).as("failed ledger reads").isGreaterThanOrEqualTo(2L * Scenario.PROMPT_PARTITIONS);
            counts.assertExactlyOneOutcomeEach(ids);
            counts.assertSubmittedOnceEach();
        }
    }

    @Test
    void withTheLedgerLeaderDownNothingIsSubmittedAndAMovedPartitionWaitsForItsLedger() throws Exception {
        whisul.updateSettings(b -> b.jobDuration(Duration.ofSeconds(8), Duration.ofSeconds(10)));
        Path clusterDir = Files.createTempDirectory(WORK.toAbsolutePath(), "two-nodes-");
        try (BrokerProcess node1 = BrokerProcess.start(clusterDir.resolve("node1"))) {
            node1.createInternalTopics(); // group and transaction coordinators stay on node 1
            try (BrokerProcess node2 = node1.addBroker(clusterDir.resolve("node2"), 2)) {
                Scenario twoNodes =
                        new Scenario("ledgerleader", node1, whisul, WORK, Scenario.Placement.LEDGER_ON_NODE_2);
                List<String> before = Scenario.requestIds("lc-leader-a", 20);
                List<String> during = Scenario.requestIds("lc-leader-b", 10);
                List<String> ids = new ArrayList<>(before);
                ids.addAll(during);
                try (BridgeProcess first = twoNodes.startBridge("first")) {
                    twoNodes.publish(before);
                    await().atMost(Duration.ofSeconds(90))
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> twoNodes.submissions(before).values().stream()
                                    .allMatch(count -> count >= 1));
                    Thread.sleep(2_000);
                    node2.stop(); // the leader of every ledger partition
                    twoNodes.publish(during);
                    Thread.sleep(10_000);
                    long submittedDuringOutage = sum(twoNodes.submissions(during));
                    System.out.printf(
                            "[lifecycle] %s: with the ledger leader down for 10 s, %d of %d new prompts "
                                    + "were submitted%n",
                            testName, submittedDuringOutage, during.size());
                    assertThat(submittedDuringOutage)
                            .as("submits while the ledger cannot record their intent")
                            .isZero();
                    first.kill9(); // the partitions move while their ledger cannot be read
                }
                try (BridgeProcess second = twoNodes.startBridge("second")) {
                    // a read gives up after its 10 s client timeout, once the group has given it the partitions
                    awaitQuietly(Duration.ofSeconds(60), () -> refusedReads(second) > 0);
                    long refused = refusedReads(second);
                    int outcomesWhileDown = twoNodes.outcomeRecords().size();
                    System.out.printf(
                            "[lifecycle] %s: the new owner left %d ledger read(s) untaken; %d outcome(s) "
                                    + "meanwhile%n",
                            testName, refused, outcomesWhileDown);
                    assertThat(refused)
                            .as("ledger reads that failed and left their partition untaken")
                            .isPositive();
                    node2.launch();
                    awaitEveryOutcome(twoNodes, ids, () -> {});
                    Counts counts = new Counts(
                            ids,
                            twoNodes.outcomeRecords(),
                            twoNodes.submissions(ids),
                            twoNodes.deadLetters().size());
                    System.out.printf(
                            "[lifecycle] %s: after the ledger leader came back: prompts in %d, outcomes out "
                                    + "%d (distinct %d), submissions %d, duplicate submissions %d%n",
                            testName,
                            ids.size(),
                            counts.outcomes,
                            counts.distinct,
                            counts.submitted,
                            counts.duplicateSubmissions);
                    counts.assertExactlyOneOutcomeEach(ids);
                    counts.assertSubmittedOnceEach();
                }
            }
        }
    }

    private static long refusedReads(BridgeProcess bridge) {
        try {
            return bridge.logText()
                    .lines()
                    .filter(line -> line.contains("is NOT taken"))
                    .count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /** A W3C traceparent of its own per request id. */
    private static String traceparent(String id) {
        String hex = String.format("%032x", new java.math.BigInteger(1, id.getBytes(StandardCharsets.UTF_8)));
        return "00-" + hex.substring(hex.length() - 32) + "-" + hex.substring(hex.length() - 16) + "-01";
    }

    private long totalSubmissions(List<String> ids) {
        return scenario.submissions(ids).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    private void awaitAllSubmitted(List<String> ids) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> scenario.submissions(ids).values().stream().allMatch(count -> count >= 1));
        // the ledger write follows the 202 within milliseconds; give it a moment
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
    }

    /** Waits for an outcome of every id; on timeout prints the counts before failing. */
    private void awaitEveryOutcome(List<String> ids) {
        awaitEveryOutcome(scenario, ids, () -> report("TIMED OUT waiting for every outcome", ids));
    }

    private static void awaitEveryOutcome(Scenario world, List<String> ids, Runnable onTimeout) {
        if (!awaitQuietly(ALL_OUTCOMES, () -> world.outcomes().keySet().containsAll(ids))) {
            onTimeout.run();
            fail("not every prompt got an outcome within " + ALL_OUTCOMES + "; outcomes: "
                    + world.outcomes().keySet());
        }
    }

    private static boolean awaitQuietly(Duration atMost, BooleanSupplier condition) {
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(condition::getAsBoolean);
            return true;
        } catch (ConditionTimeoutException timedOut) {
            return false;
        }
    }

    private static List<String> keys(List<Scenario.TopicRecord> records) {
        return records.stream().map(Scenario.TopicRecord::key).toList();
    }

    private static String deadLetterReasons(List<Scenario.TopicRecord> deadLetters) {
        if (deadLetters.isEmpty()) {
            return "";
        }
        Map<String, Long> reasons = deadLetters.stream()
                .collect(Collectors.groupingBy(
                        r -> Objects.toString(r.headers()
                                .getOrDefault(
                                        "dead-letter-reason", r.headers().get("dead-letter-exception-class-name"))),
                        TreeMap::new,
                        Collectors.counting()));
        return " (reasons: " + reasons + ")";
    }

    private Counts counts(List<String> ids) {
        return new Counts(
                ids,
                scenario.outcomeRecords(),
                scenario.submissions(ids),
                scenario.deadLetters().size());
    }

    private Counts report(String when, List<String> ids) {
        Counts counts = counts(ids);
        System.out.printf(
                "[lifecycle] %s: %s: prompts in %d, outcomes out %d (distinct %d; songs %d, failures %d%s), "
                        + "submissions %d, duplicate submissions %d, dead letters %d%n",
                testName,
                when,
                ids.size(),
                counts.outcomes,
                counts.distinct,
                counts.songs,
                counts.failures,
                counts.failureReasons.isEmpty() ? "" : " " + counts.failureReasons,
                counts.submitted,
                counts.duplicateSubmissions,
                counts.deadLetters);
        return counts;
    }

    /** What the outcome topics, the emulator and the dead-letter topic hold for a test's request ids. */
    private static final class Counts {
        final List<Scenario.TopicRecord> allRecords;
        final Map<String, List<Scenario.TopicRecord>> recordsByKey = new LinkedHashMap<>();
        final Map<String, Integer> songsByKey = new LinkedHashMap<>();
        final Map<String, Long> submissions;
        final Map<String, Long> failureReasons = new TreeMap<>();
        final List<String> differingRepeats = new ArrayList<>();
        final int outcomes;
        final long distinct;
        final int songs;
        final int failures;
        final int identicalRepeats;
        final long submitted;
        final long duplicateSubmissions;
        final int deadLetters;

        Counts(List<String> ids, List<Scenario.TopicRecord> records, Map<String, Long> submissions, int deadLetters) {
            Set<String> ours = new HashSet<>(ids);
            this.allRecords = records;
            this.submissions = submissions;
            this.deadLetters = deadLetters;
            int songCount = 0;
            int failureCount = 0;
            int outcomeCount = 0;
            for (Scenario.TopicRecord record : records) {
                if (!ours.contains(record.key())) {
                    continue;
                }
                outcomeCount++;
                recordsByKey
                        .computeIfAbsent(record.key(), k -> new ArrayList<>())
                        .add(record);
                if (record.topic().endsWith("-songs")) {
                    songCount++;
                    songsByKey.merge(record.key(), 1, Integer::sum);
                } else {
                    failureCount++;
                    failureReasons.merge(reason(record), 1L, Long::sum);
                }
            }
            int identical = 0;
            for (Map.Entry<String, List<Scenario.TopicRecord>> entry : recordsByKey.entrySet()) {
                List<Scenario.TopicRecord> same = entry.getValue();
                boolean allEqual = same.stream()
                        .allMatch(r -> r.topic().equals(same.get(0).topic())
                                && Arrays.equals(r.value(), same.get(0).value()));
                if (allEqual) {
                    identical += same.size() - 1;
                } else {
                    differingRepeats.add(entry.getKey());
                }
            }
            this.outcomes = outcomeCount;
            this.songs = songCount;
            this.failures = failureCount;
            this.identicalRepeats = identical;
            this.distinct = recordsByKey.size();
            this.submitted =
                    submissions.values().stream().mapToLong(Long::longValue).sum();
            this.duplicateSubmissions = submissions.values().stream()
                    .filter(c -> c > 1)
                    .mapToLong(c -> c - 1)
                    .sum();
        }

        private static String reason(Scenario.TopicRecord record) {
            try {
                JsonNode failure = JSON.readTree(record.value());
                return failure.path("reason").asText("?");
            } catch (Exception unreadable) {
                return "unreadable";
            }
        }

        void assertExactlyOneOutcomeEach(List<String> ids) {
            assertThat(ids)
                    .allSatisfy(id -> assertThat(
                                    recordsByKey.getOrDefault(id, List.of()).size())
                            .as("outcomes of " + id)
                            .isEqualTo(1));
        }

        void assertSubmittedOnceEach() {
            assertThat(submissions)
                    .allSatisfy((id, count) -> assertThat(count)
                            .as("accepted submissions of " + id)
                            .isEqualTo(1));
        }
    }

    /** Reads one gauge of a bridge every 100 ms in the background and keeps the highest value seen. */
    private static final class Sampler implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Double> peak = new AtomicReference<>(-1.0);
        private final AtomicInteger samples = new AtomicInteger();
        private final Thread thread;

        Sampler(BridgeProcess bridge, String gauge) {
            Instant giveUp = Instant.now().plus(Duration.ofMinutes(4));
            thread = new Thread(
                    () -> {
                        while (running.get() && Instant.now().isBefore(giveUp)) {
                            OptionalDouble value = bridge.metric(gauge);
                            if (value.isPresent()) {
                                samples.incrementAndGet();
                                peak.accumulateAndGet(value.getAsDouble(), Math::max);
                            }
                            try {
                                Thread.sleep(100);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "lifecycle-sampler-" + gauge);
            thread.setDaemon(true);
            thread.start();
        }

        double peak() {
            return peak.get();
        }

        int samples() {
            return samples.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join(5_000);
        }
    }
}
