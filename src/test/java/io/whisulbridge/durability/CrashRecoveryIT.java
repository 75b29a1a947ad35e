package io.whisulbridge.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.emulator.WhisulEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The Guarantees section of the README, proven with real processes: the packaged service killed with SIGKILL,
 * stopped with SIGTERM, two instances sharing a group, a broker restarted, duplicates over time. A real broker
 * process, the project's Whisul emulator counting submissions per prompt.
 */
class CrashRecoveryIT {

    private static final Path WORK = Stage.WORK;
    private static final Duration ALL_OUTCOMES = Duration.ofSeconds(150);

    private static BrokerProcess broker;
    private static WhisulEmulator whisul;

    private Scenario scenario;

    @BeforeAll
    static void shareTheStage() throws Exception {
        broker = Stage.get().broker;
        whisul = Stage.get().whisul;
    }

    @BeforeEach
    void newScenario(TestInfo test) throws Exception {
        // jobs of 8-12 s: long enough to be in flight when a process dies, short enough for the suite
        whisul.updateSettings(Stage.settings()
                .jobDuration(Duration.ofSeconds(8), Duration.ofSeconds(12))
                .build());
        String name = test.getTestMethod()
                .orElseThrow()
                .getName()
                .replaceAll("[^A-Za-z0-9]", "")
                .toLowerCase();
        scenario = new Scenario(name.substring(0, Math.min(40, name.length())), broker, whisul, WORK);
    }

    @Test
    void killMinus9WithJobsInFlightThenRestartGivesEveryPromptOneOutcomeAndOneSubmission() throws Exception {
        List<String> ids = Scenario.requestIds("k9", 150);
        try (BridgeProcess first = scenario.startBridge("first")) {
            scenario.publish(ids);
            awaitAllSubmitted(ids);
            int inFlightAtKill = scenario.runningJobs();
            first.kill9();
            assertThat(inFlightAtKill).as("jobs in flight at the kill").isGreaterThanOrEqualTo(100);
            report("killed with " + inFlightAtKill + " jobs in flight", ids);
        }
        try (BridgeProcess second = scenario.startBridge("second")) {
            awaitEveryOutcome(ids);
            assertExactlyOnce(ids, "after kill -9 and restart");
        }
    }

    @Test
    void killMinus9WithPromptsWaitingInTheFairQueueResumesThemFromTheLedgerAndSubmitsEachOnce() throws Exception {
        whisul.updateSettings(Stage.settings()
                .jobDuration(Duration.ofSeconds(3), Duration.ofSeconds(5))
                .build());
        Map<String, String> tenInFlight = Map.of("BRIDGE_MAX_IN_FLIGHT", "10");
        List<String> ids = Scenario.requestIds("fq-k9", 60);
        double queuedAtKill;
        try (BridgeProcess first = scenario.startBridge("first", tenInFlight, List.of())) {
            scenario.publish(ids);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> first.metric("whisul_bridge_prompts_queued").orElse(0) >= 40);
            // past the consumer's commit interval: the queued prompts' records are acknowledged and committed
            await().pollDelay(Duration.ofSeconds(6))
                    .atMost(Duration.ofSeconds(7))
                    .until(() -> true);
            queuedAtKill = first.metric("whisul_bridge_prompts_queued").orElse(0);
            first.kill9();
            report("killed with " + (long) queuedAtKill + " prompts queued", ids);
        }
        try (BridgeProcess second = scenario.startBridge("second", tenInFlight, List.of())) {
            awaitEveryOutcome(ids);
            int resumed = resumedFromTheLedger(second.logText());
            System.out.printf(
                    "[durability] the restarted instance resumed %d job(s) from the ledger (%d were queued at the kill)%n",
                    resumed, (long) queuedAtKill);
            assertThat(resumed).isGreaterThanOrEqualTo((int) queuedAtKill);
            assertExactlyOnce(ids, "after kill -9 with prompts queued, and restart");
        }
    }

    private static int resumedFromTheLedger(String log) {
        Matcher replayed =
                Pattern.compile("(\\d+) unfinished job\\(s\\) resumed").matcher(log);
        int resumed = 0;
        while (replayed.find()) {
            resumed += Integer.parseInt(replayed.group(1));
        }
        return resumed;
    }

    @Test
    void sigtermOfOneOfTwoInstancesHandsItsJobsToTheOther() throws Exception {
        List<String> ids = Scenario.requestIds("term", 120);
        try (BridgeProcess a = scenario.startBridge("a");
                BridgeProcess b = scenario.startBridge("b")) {
            scenario.publish(ids);
            awaitAllSubmitted(ids);
            Duration exit = a.sigterm(Duration.ofSeconds(40));
            System.out.printf(
                    "[durability] instance a exited %d ms after SIGTERM with %d jobs in flight overall%n",
                    exit.toMillis(), scenario.runningJobs());
            assertThat(exit).isLessThan(Duration.ofSeconds(25));
            assertThat(a.logText()).contains("handed over");
            awaitEveryOutcome(ids);
            assertExactlyOnce(ids, "after SIGTERM of one of two instances");
        }
    }

    @Test
    void killMinus9OfOneOfTwoInstancesLosesNothing() throws Exception {
        List<String> ids = Scenario.requestIds("kill", 120);
        try (BridgeProcess a = scenario.startBridge("a");
                BridgeProcess b = scenario.startBridge("b")) {
            scenario.publish(ids);
            awaitAllSubmitted(ids);
            a.kill9();
            awaitEveryOutcome(ids);
            assertExactlyOnce(ids, "after kill -9 of one of two instances");
            assertThat(b.logText()).contains("unfinished job(s) resumed");
        }
    }

    @Test
    void brokerRestartMidFlightLosesNothingAndTheServiceRecoversByItself() throws Exception {
        List<String> ids = Scenario.requestIds("broker", 100);
        try (BridgeProcess bridge = scenario.startBridge("only")) {
            scenario.publish(ids);
            awaitAllSubmitted(ids);
            broker.stop();
            await().atMost(Duration.ofSeconds(60)).until(() -> bridge.readiness() == 503);
            broker.launch();
            await().atMost(Duration.ofSeconds(60)).until(() -> bridge.readiness() == 200);
            System.out.println(
                    "[durability] readiness went DOWN while the broker was stopped and UP after it came back");
            awaitEveryOutcome(ids);
            assertExactlyOnce(ids, "after a broker restart");
            List<String> more = Scenario.requestIds("after-restart", 10);
            scenario.publish(more);
            awaitEveryOutcome(more);
        }
    }

    @Test
    void sameRequestIdFiveTimesOverMinutesAndARestartIsSubmittedOnce() throws Exception {
        String id = "dup-" + Instant.now().toEpochMilli();
        List<String> one = List.of(id);
        Instant first = Instant.now();
        try (BridgeProcess a = scenario.startBridge("a")) {
            scenario.publish(List.of(id, id)); // twice in one batch
            awaitAllSubmitted(one);
            scenario.publish(one); // again while its job runs
            awaitEveryOutcome(one);
            scenario.publish(one); // again after its outcome, same process
            Thread.sleep(40_000); // spread the duplicates over more than a minute
            a.sigterm(Duration.ofSeconds(40));
        }
        try (BridgeProcess b = scenario.startBridge("b")) {
            scenario.publish(one); // again after a restart: only the ledger remembers
            await().pollDelay(Duration.ofSeconds(10))
                    .atMost(Duration.ofSeconds(11))
                    .until(() -> true);
            System.out.printf(
                    "[durability] request %s published 5 times over %d s: %d submission(s), %d outcome(s)%n",
                    id,
                    Duration.between(first, Instant.now()).toSeconds(),
                    scenario.submissions(one).get(id),
                    scenario.outcomes().getOrDefault(id, 0));
            assertThat(scenario.submissions(one).get(id)).isEqualTo(1);
            assertThat(scenario.outcomes().get(id)).isEqualTo(1);
        }
    }

    private void awaitAllSubmitted(List<String> ids) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> scenario.submissions(ids).values().stream().allMatch(count -> count >= 1));
        // the ledger write follows the 202 within milliseconds; give it a moment so the window stays closed
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
    }

    private void awaitEveryOutcome(List<String> ids) {
        await().atMost(ALL_OUTCOMES)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> scenario.outcomes().keySet().containsAll(ids));
    }

    private void assertExactlyOnce(List<String> ids, String when) {
        Map<String, Long> submissions = scenario.submissions(ids);
        Map<String, Integer> outcomes = scenario.outcomes();
        report(when, ids);
        assertThat(submissions)
                .allSatisfy((id, count) ->
                        assertThat(count).as("submissions of " + id).isEqualTo(1));
        assertThat(ids)
                .allSatisfy(id ->
                        assertThat(outcomes.get(id)).as("outcomes of " + id).isEqualTo(1));
    }

    private void report(String when, List<String> ids) {
        Map<String, Long> submissions = scenario.submissions(ids);
        Map<String, Integer> outcomes = scenario.outcomes();
        long submitted =
                submissions.values().stream().mapToLong(Long::longValue).sum();
        long duplicates = submissions.values().stream()
                .filter(count -> count > 1)
                .mapToLong(count -> count - 1)
                .sum();
        long out = ids.stream().mapToLong(id -> outcomes.getOrDefault(id, 0)).sum();
        long distinct = ids.stream().filter(outcomes::containsKey).count();
        System.out.printf(
                "[durability] %s: prompts in %d, outcomes out %d (distinct %d), submissions %d, duplicate submissions %d%n",
                when, ids.size(), out, distinct, submitted, duplicates);
    }
}
