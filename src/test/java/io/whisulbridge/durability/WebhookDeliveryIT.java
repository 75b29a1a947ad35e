package io.whisulbridge.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.emulator.WhisulEmulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Signed webhooks with real processes: the packaged service on the shared broker and emulator ({@link Stage}), and a
 * receiver on 127.0.0.1 that verifies every signature. Every address any test connects to is 127.0.0.1. Schedules are
 * in seconds; each test prints the counts it asserts on, prefixed {@code [webhooks]}.
 */
class WebhookDeliveryIT {

    private static final Path WORK = Stage.WORK;
    /** During a rotation the service signs with both; the receiver knows only the new one. */
    private static final String OLD_SECRET = secret((byte) 1);

    private static final String NEW_SECRET = secret((byte) 2);
    private static final Duration ALL_DELIVERED = Duration.ofSeconds(90);

    private static BrokerProcess broker;
    private static WhisulEmulator whisul;

    private Scenario scenario;
    private String testName;

    @BeforeAll
    static void shareTheStage() throws Exception {
        broker = Stage.get().broker;
        whisul = Stage.get().whisul;
    }

    @BeforeEach
    void newScenario(TestInfo test) throws Exception {
        whisul.updateSettings(Stage.settings()
                .jobDuration(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .build());
        testName = test.getTestMethod().orElseThrow().getName();
        String name = "wh" + testName.replaceAll("[^A-Za-z0-9]", "").toLowerCase();
        scenario = new Scenario(name.substring(0, Math.min(40, name.length())), broker, whisul, WORK);
    }

    @AfterEach
    void restoreWhisul() {
        whisul.updateSettings(Stage.settings().build());
    }

    private static String secret(byte fill) {
        byte[] key = new byte[24];
        java.util.Arrays.fill(key, fill);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    /** Webhooks on, signed with both secrets, allowed to reach the receiver on 127.0.0.1 over http. */
    private static Map<String, String> webhooks(String schedule) {
        Map<String, String> env = new HashMap<>();
        env.put("WEBHOOK_SECRET", OLD_SECRET + "," + NEW_SECRET);
        env.put("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1");
        env.put("WEBHOOK_ALLOW_HTTP", "true");
        env.put("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true");
        env.put("WEBHOOK_SCHEDULE", schedule);
        env.put("WEBHOOK_TIMEOUT", "5s");
        return env;
    }

    @Test
    void everyOutcomeReachesTheOperatorsUrlAndTheCallbackSignedSoTheReceiverVerifiesIt() throws Exception {
        List<String> ids = Scenario.requestIds("wh-signed", 10);
        try (WebhookReceiver receiver = new WebhookReceiver(NEW_SECRET)) {
            Map<String, String> env = webhooks("1s,2s");
            env.put("WEBHOOK_URLS", receiver.url("/ops"));
            try (BridgeProcess bridge = scenario.startBridge("only", env, List.of())) {
                scenario.publishWithCallback(ids, receiver.url("/callback"));
                await().atMost(ALL_DELIVERED)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> acceptedOn(receiver, "/ops") == ids.size()
                                && acceptedOn(receiver, "/callback") == ids.size());
                List<WebhookReceiver.Received> all = receiver.received();
                long verified =
                        all.stream().filter(WebhookReceiver.Received::verified).count();
                System.out.printf(
                        "[webhooks] %s: prompts %d, requests %d (to /ops %d, to /callback %d), signatures "
                                + "verified %d%n",
                        testName,
                        ids.size(),
                        all.size(),
                        acceptedOn(receiver, "/ops"),
                        acceptedOn(receiver, "/callback"),
                        verified);
                assertThat(all)
                        .allSatisfy(request -> assertThat(request.verified())
                                .as("signature of " + request.webhookId())
                                .isTrue());
                assertThat(receiver.acceptedPerId().keySet())
                        .containsExactlyInAnyOrderElementsOf(
                                ids.stream().map(id -> id + ":completed").toList());
                assertThat(receiver.acceptedPerId().values())
                        .allSatisfy(request -> assertThat(request.body())
                                .contains(
                                        "\"type\":\"io.whisulbridge.song.completed.v1\"",
                                        "\"callback_url\":\"" + receiver.url("/callback") + "\""));
                assertThat(bridge.logText()).doesNotContain(OLD_SECRET.substring(6), NEW_SECRET.substring(6));
            }
        }
    }

    @Test
    void aReceiverDownForTwoMinutesGetsEveryOutcomeOnceItIsBack() throws Exception {
        List<String> ids = Scenario.requestIds("wh-down", 10);
        Duration down = Duration.ofMinutes(2);
        int port = BrokerProcess.freePort();
        // nothing listens on the callback's port for two minutes: every attempt is refused, then waits its turn
        // on the retry topic; the schedule (3 min in all) outlasts the outage
        try (BridgeProcess bridge =
                scenario.startBridge("only", webhooks("1s,2s,4s,8s,15s,30s,30s,30s,30s,30s"), List.of())) {
            scenario.publishWithCallback(ids, "http://127.0.0.1:" + port + "/callback");
            await().atMost(ALL_DELIVERED)
                    .until(() -> counter(bridge, "whisul_bridge_webhook_retries_total", "") >= ids.size());
            Instant wentDown = Instant.now();
            Thread.sleep(down.toMillis());
            double retriesWhileDown = counter(bridge, "whisul_bridge_webhook_retries_total", "");
            try (WebhookReceiver receiver = new WebhookReceiver(NEW_SECRET, port)) {
                Instant cameBack = Instant.now();
                await().atMost(ALL_DELIVERED)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> receiver.acceptedPerId().size() == ids.size());
                System.out.printf(
                        "[webhooks] %s: prompts %d; receiver down %d s (connections refused): %.0f retries "
                                + "scheduled; back up: delivered %d of %d, %d s after it came back; requests to it %d; "
                                + "exhausted %d%n",
                        testName,
                        ids.size(),
                        Duration.between(wentDown, cameBack).toSeconds(),
                        retriesWhileDown,
                        receiver.acceptedPerId().size(),
                        ids.size(),
                        Duration.between(cameBack, Instant.now()).toSeconds(),
                        receiver.received().size(),
                        scenario.records(List.of(scenario.topics().webhookExhausted()))
                                .size());
                assertThat(retriesWhileDown)
                        .as("retries while down: several per delivery")
                        .isGreaterThanOrEqualTo(3.0 * ids.size());
                assertThat(receiver.acceptedPerId()).hasSize(ids.size());
                assertThat(receiver.received())
                        .allSatisfy(request -> assertThat(request.verified()).isTrue());
                assertThat(scenario.records(List.of(scenario.topics().webhookExhausted())))
                        .isEmpty();
            }
        }
    }

    @Test
    void killMinus9WhileDeliveriesWaitForARetryDeliversThemAfterTheRestart() throws Exception {
        List<String> ids = Scenario.requestIds("wh-kill", 10);
        try (WebhookReceiver receiver = new WebhookReceiver(NEW_SECRET)) {
            receiver.answer(503);
            try (BridgeProcess first = scenario.startBridge("first", webhooks("20s"), List.of())) {
                scenario.publishWithCallback(ids, receiver.url("/callback"));
                await().atMost(ALL_DELIVERED)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> retryRecords().size() >= ids.size());
                first.kill9();
            }
            int waitingAtKill = retryRecords().size();
            int requestsBeforeKill = receiver.received().size();
            receiver.answer(200);
            try (BridgeProcess second = scenario.startBridge("second", webhooks("20s"), List.of())) {
                await().atMost(ALL_DELIVERED)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> receiver.acceptedPerId().size() == ids.size());
                System.out.printf(
                        "[webhooks] %s: prompts %d; at the kill -9 %d deliveries waited on the retry topic "
                                + "after %d failed requests; after the restart delivered %d of %d (by the new process: %s), "
                                + "exhausted %d%n",
                        testName,
                        ids.size(),
                        waitingAtKill,
                        requestsBeforeKill,
                        receiver.acceptedPerId().size(),
                        ids.size(),
                        counter(second, "whisul_bridge_webhook_deliveries_total", "result=\"delivered\""),
                        scenario.records(List.of(scenario.topics().webhookExhausted()))
                                .size());
                assertThat(receiver.acceptedPerId()).hasSize(ids.size());
                assertThat(scenario.records(List.of(scenario.topics().webhookExhausted())))
                        .isEmpty();
                assertThat(counter(second, "whisul_bridge_webhook_deliveries_total", "result=\"delivered\""))
                        .as("deliveries the restarted process made")
                        .isGreaterThanOrEqualTo(ids.size());
            }
        }
    }

    @Test
    void aFourTenEndsTheRetriesOfThatDelivery() throws Exception {
        List<String> ids = Scenario.requestIds("wh-gone", 5);
        try (WebhookReceiver receiver = new WebhookReceiver(NEW_SECRET);
                BridgeProcess bridge = scenario.startBridge("only", webhooks("1s,1s,1s"), List.of())) {
            receiver.answer(410);
            scenario.publishWithCallback(ids, receiver.url("/callback"));
            await().atMost(ALL_DELIVERED).until(() -> receiver.requestsPerId().size() == ids.size());
            // a retry would come 1 s later; wait for three of them
            Thread.sleep(4_000);
            Map<String, Long> perId = receiver.requestsPerId();
            double gone = counter(bridge, "whisul_bridge_webhook_deliveries_total", "result=\"gone\"");
            System.out.printf(
                    "[webhooks] %s: prompts %d; requests %d, per delivery %s; gone %s, retries %s, exhausted %d%n",
                    testName,
                    ids.size(),
                    receiver.received().size(),
                    perId.values().stream().distinct().toList(),
                    gone,
                    counter(bridge, "whisul_bridge_webhook_retries_total", ""),
                    scenario.records(List.of(scenario.topics().webhookExhausted()))
                            .size());
            assertThat(perId.values()).as("requests per delivery").containsOnly(1L);
            assertThat(gone).isEqualTo(ids.size());
            assertThat(retryRecords()).isEmpty();
        }
    }

    @Test
    void aCallbackToALoopbackAddressIsRefusedLoggedCountedAndNeverConnectedTo() throws Exception {
        // ids of this run only: the bridge's log file under target/ outlives a run, and the lines are counted by id
        String run = "wh-ssrf-" + Long.toString(System.currentTimeMillis(), 36);
        List<String> ids = Scenario.requestIds(run, 5);
        Map<String, String> env = webhooks("1s");
        env.put("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "false");
        try (ConnectionCounter listener = new ConnectionCounter();
                BridgeProcess bridge = scenario.startBridge("only", env, List.of())) {
            scenario.publishWithCallback(ids, "http://127.0.0.1:" + listener.port() + "/callback");
            await().atMost(ALL_DELIVERED)
                    .until(() -> scenario.outcomes().keySet().containsAll(ids)
                            && counter(bridge, "whisul_bridge_webhook_refused_total", "reason=\"address\"")
                                    >= ids.size());
            Thread.sleep(2_000); // a retry, had there been one, would come after 1 s
            long refusedLines = bridge.logText()
                    .lines()
                    .filter(line -> line.contains("refused, nothing was sent")
                            && line.contains("a loopback address")
                            && line.contains(run))
                    .count();
            System.out.printf(
                    "[webhooks] %s: prompts %d, outcomes %d; refused (metric) %s, refusal log lines %d, "
                            + "connections to the callback's port %d%n",
                    testName,
                    ids.size(),
                    scenario.outcomes().size(),
                    counter(bridge, "whisul_bridge_webhook_refused_total", "reason=\"address\""),
                    refusedLines,
                    listener.accepted());
            assertThat(listener.accepted())
                    .as("connections to the refused address")
                    .isZero();
            assertThat(scenario.outcomes().keySet()).containsAll(ids);
            assertThat(refusedLines).isEqualTo(ids.size());
            assertThat(counter(bridge, "whisul_bridge_webhook_refused_total", "reason=\"address\""))
                    .isEqualTo(ids.size());
        }
    }

    private List<Scenario.TopicRecord> retryRecords() {
        return scenario.records(List.of(scenario.topics().webhookRetry()));
    }

    private static long acceptedOn(WebhookReceiver receiver, String path) {
        return receiver.received().stream()
                .filter(request -> request.accepted() && request.path().equals(path))
                .map(WebhookReceiver.Received::webhookId)
                .distinct()
                .count();
    }

    /** The sum of a counter's series whose labels contain {@code labels} (empty: every series). */
    private static double counter(BridgeProcess bridge, String name, String labels) {
        return bridge.metrics()
                .lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> line.substring(0, line.lastIndexOf(' ')).contains(labels))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** A TCP port on 127.0.0.1 that counts every connection made to it and answers none. */
    private static final class ConnectionCounter implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread acceptor;

        ConnectionCounter() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::acceptAll, "connection-counter");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void acceptAll() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    accepted.incrementAndGet();
                    connection.close();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
