package io.whisulbridge.bench;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM under test in a process of its own: the packaged bridge ({@code target/quarkus-app}, as
 * durability.BridgeProcess starts it) or the naive baseline. Measured from outside: RSS and CPU from /proc, heap from
 * the bridge's Prometheus endpoint (or the baseline's stats file).
 */
final class BenchProcess implements AutoCloseable {

    static final Path APP = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String name;
    final Path log;
    final int managementPort; // -1 for the baseline
    final Process process;
    private long lastCpuTicks = -1;
    private long lastCpuNanos;

    private BenchProcess(String name, Path log, int managementPort, Process process) {
        this.name = name;
        this.log = log;
        this.managementPort = managementPort;
        this.process = process;
    }

    /** The packaged bridge with the given environment; waits for readiness. */
    static BenchProcess bridge(String name, Path logDir, String xmx, Map<String, String> env) throws Exception {
        if (!Files.exists(APP)) {
            throw new IllegalStateException(APP + " is missing: package first (./mvnw -B verify -Pbench does)");
        }
        int managementPort = BrokerProcess.freePort();
        List<String> command = new ArrayList<>(List.of(
                BrokerProcess.javaBinary(),
                "-Xmx" + xmx,
                "-Dmp.messaging.incoming.prompts-in.session.timeout.ms=10000"));
        // e.g. -Dbench.bridge.jvmOpts=-XX:StartFlightRecording=... to profile the bridge under a scenario
        String extraJvm = System.getProperty("bench.bridge.jvmOpts", "").trim();
        if (!extraJvm.isEmpty()) {
            command.addAll(List.of(extraJvm.split("\\s+")));
        }
        command.addAll(List.of("-jar", APP.toString()));
        BenchProcess p = launch(
                name,
                logDir,
                managementPort,
                command,
                env,
                Map.of(
                        "BRIDGE_HTTP_PORT", String.valueOf(BrokerProcess.freePort()),
                        "BRIDGE_MANAGEMENT_PORT", String.valueOf(managementPort)));
        ReadinessWait.await(name, p.process, managementPort, Duration.ofSeconds(120), p::tail);
        return p;
    }

    /** The naive baseline ({@link NaiveBridge}) from the test classpath. */
    static BenchProcess naive(String name, Path logDir, String xmx, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                BrokerProcess.javaBinary(),
                "-Xmx" + xmx,
                "-cp",
                System.getProperty("java.class.path"),
                NaiveBridge.class.getName()));
        command.addAll(args);
        return launch(name, logDir, -1, command, Map.of(), Map.of());
    }

    private static BenchProcess launch(
            String name,
            Path logDir,
            int managementPort,
            List<String> command,
            Map<String, String> env,
            Map<String, String> extraEnv)
            throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().putAll(extraEnv);
        return new BenchProcess(name, log, managementPort, builder.start());
    }

    /** Resident set size in bytes (VmRSS), or -1. */
    long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** Total CPU time (user + system) in ticks, or -1. */
    long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Cores used since the previous call (1.0 = one core busy). */
    synchronized double cpuCores() {
        long ticks = cpuTicks();
        long now = System.nanoTime();
        double cores = 0;
        if (lastCpuTicks >= 0 && ticks >= 0 && now > lastCpuNanos) {
            cores = (ticks - lastCpuTicks) / (double) CLOCK_TICKS / ((now - lastCpuNanos) / 1e9);
        }
        lastCpuTicks = ticks;
        lastCpuNanos = now;
        return cores;
    }

    /** The Prometheus text of the bridge's management endpoint, or "" when unreachable. */
    String metrics() {
        if (managementPort < 0) {
            return "";
        }
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Sum of every sample of a metric whose name and labels start with {@code prefix}. */
    static double sum(String metricsText, String prefix) {
        double total = 0;
        for (String line : metricsText.split("\n")) {
            if (line.startsWith(prefix)) {
                String value = line.substring(line.lastIndexOf(' ') + 1);
                try {
                    total += Double.parseDouble(value);
                } catch (NumberFormatException ignored) {
                    // NaN or garbage
                }
            }
        }
        return total;
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }
}
