package io.whisulbridge.durability;

import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.support.ReadinessWait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged service ({@code target/quarkus-app}) as a real process, to be killed and restarted by tests. */
final class BridgeProcess implements AutoCloseable {

    private static final Path APP = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final String name;
    private final Path log;
    private final int managementPort;
    private final Process process;

    private BridgeProcess(String name, Path log, int managementPort, Process process) {
        this.name = name;
        this.log = log;
        this.managementPort = managementPort;
        this.process = process;
    }

    static BridgeProcess start(String name, Path logDir, Map<String, String> env, List<String> systemProperties)
            throws Exception {
        if (!Files.exists(APP)) {
            throw new IllegalStateException(APP + " is missing: these tests run after `package` (./mvnw verify)");
        }
        Files.createDirectories(logDir);
        int managementPort = BrokerProcess.freePort();
        Map<String, String> environment = new HashMap<>(env);
        environment.put("BRIDGE_HTTP_PORT", String.valueOf(BrokerProcess.freePort()));
        environment.put("BRIDGE_MANAGEMENT_PORT", String.valueOf(managementPort));
        Path log = logDir.resolve(name + ".log");
        List<String> command = new java.util.ArrayList<>(List.of(BrokerProcess.javaBinary(), "-Xmx256m"));
        command.addAll(systemProperties);
        command.addAll(List.of("-jar", APP.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        BridgeProcess bridge = new BridgeProcess(name, log, managementPort, builder.start());
        ReadinessWait.await(name, bridge.process, managementPort, Duration.ofSeconds(90), bridge::tail);
        return bridge;
    }

    int managementPort() {
        return managementPort;
    }

    /** The HTTP status of the readiness probe, or -1 when nothing answers. */
    int readiness() {
        return status("/q/health/ready");
    }

    /** The HTTP status of the liveness probe, or -1 when nothing answers. */
    int liveness() {
        return status("/q/health/live");
    }

    private int status(String path) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The Prometheus text at {@code /q/metrics}, or empty when nothing answers (e.g. the process is gone). */
    String metrics() {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * The value of one metric in the Prometheus text (the highest over its series, if it has labels), or empty when
     * it is not exported or the process does not answer.
     */
    java.util.OptionalDouble metric(String name) {
        java.util.OptionalDouble highest = java.util.OptionalDouble.empty();
        for (String line : metrics().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                try {
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    if (highest.isEmpty() || value > highest.getAsDouble()) {
                        highest = java.util.OptionalDouble.of(value);
                    }
                } catch (NumberFormatException notANumber) {
                    // a malformed line is no value
                }
            }
        }
        return highest;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit by itself; true if it did within {@code atMost}. */
    boolean awaitExit(Duration atMost) throws InterruptedException {
        return process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGSTOP: the whole JVM freezes (heartbeats included), as a stalled node or a long GC pause does. */
    void freeze() throws Exception {
        signal("STOP");
    }

    /** SIGCONT: the frozen JVM runs on, with every timer that fell due meanwhile firing at once. */
    void thaw() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as Kubernetes stops a pod; returns how long the process took to exit. */
    Duration sigterm(Duration atMost) throws InterruptedException {
        Instant sent = Instant.now();
        process.destroy();
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not exit within " + atMost + " of SIGTERM");
        }
        return Duration.between(sent, Instant.now());
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    String logText() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
