package io.whisulbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Black-box check of the local run path ({@code ./run-local}, {@link LocalRun}, docs/local-run.md), so that it cannot rot: on free
 * ports and its own data folder (target/run-local-it), it starts the script as a developer would, waits for
 * "ready", runs {@code ./run-local try --webhook} (which also receives and verifies the signed webhook), downloads
 * the song and the cover and checks them, stops the script with
 * SIGINT (Ctrl-C), and checks that every process the script started is gone and every port is free. Then it starts
 * a second run on the same data folder, which must come up cleanly, and stops it too.
 *
 * <p>It runs after {@code package} (failsafe), so the script is told not to build ({@code RUN_LOCAL_SKIP_BUILD=1}).
 * The first run resolves the broker jars into the data folder with the Maven wrapper (a few seconds when the local
 * repository has them).
 */
class RunLocalIT {

    private static final Duration FIRST_READY = Duration.ofMinutes(4); // may include resolving the broker jars
    private static final Duration READY = Duration.ofMinutes(2); // the "under two minutes" promise
    private static final Duration STOP = Duration.ofSeconds(90);
    // the banner's last line: waiting for it means the whole banner (where everything is) has been printed
    private static final String READY_LINE = "Ctrl-C stops everything this run started";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Run> runs = new ArrayList<>();

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void runLocalStartsEverythingServesATryAndStopsCleanlyTwice() throws Exception {
        assumeTrue(!System.getProperty("os.name", "").toLowerCase().startsWith("windows"), "bash script: Unix only");
        Path root = projectRoot();
        Path runDir = root.resolve("target/run-local-it");
        Files.createDirectories(runDir);
        Ports ports = Ports.free();
        Map<String, String> env = environment(runDir, ports);

        // ---- first run: up, try, Ctrl-C
        Run first = start(root, env, runDir.resolve("run-local-1.out"));
        Duration firstReady = first.awaitReady(FIRST_READY);
        assertThat(first.output())
                .as("where everything is")
                .contains("127.0.0.1:" + ports.kafka())
                .contains("http://127.0.0.1:" + ports.emulator() + "/api")
                .contains("http://localhost:" + ports.management() + "/q/health/ready")
                .contains("./run-local try")
                .contains("kcat -b 127.0.0.1:" + ports.kafka())
                .contains("s3://songs at http://127.0.0.1:" + ports.s3());

        String requestId = "run-local-it-" + System.currentTimeMillis();
        Result tried = exec(
                root,
                env,
                runDir.resolve("try.out"),
                Duration.ofMinutes(3),
                "./run-local",
                "try",
                "--webhook",
                "--timeout=120s",
                "--request-id=" + requestId,
                "melancholic piano in the rain");
        assertThat(tried.exitCode())
                .as("./run-local try exit code; output:%n%s", tried.output())
                .isZero();
        JsonNode song = rawOutcome(tried.output());
        assertThat(song.path("request_id").asText()).isEqualTo(requestId);
        assertThat(song.path("title").asText()).isNotBlank();
        assertThat(song.path("bpm").asDouble()).isPositive();
        assertThat(song.path("duration_seconds").asInt()).isPositive();
        assertThat(song.path("tags").size()).isPositive();
        assertThat(tried.output()).contains("OK: a SongResult");
        // the bridge of a local run delivers signed webhooks; try's receiver on 127.0.0.1 verified this one
        assertThat(tried.output()).contains("Webhook received, signature VERIFIED", requestId + ":completed");
        assertThat(tried.output())
                .as("progress from the bridge's status API while waiting")
                .containsPattern("waited \\d+:\\d\\d   (submitting|polling), \\d+ polls?");
        assertValidWav(
                download(song.path("song_url").asText()),
                song.path("duration_seconds").asInt());
        assertValidPng(download(song.path("image_url").asText()));
        // archived to the local S3 server before the outcome; try read both copies back and checked them
        assertThat(song.has("archive_error"))
                .as("archive_error: %s", song.path("archive_error"))
                .isFalse();
        assertThat(song.path("archive").path("song").path("key").asText()).endsWith("/song.wav");
        assertThat(song.path("archive").path("cover").path("key").asText()).endsWith("/cover.png");
        assertThat(tried.output()).contains("both archived in the bucket and read back intact");
        assertThat(tried.output().split("length and SHA-256 match", -1))
                .as("song and cover read back")
                .hasSize(3);
        byte[] archivedSong = download("http://127.0.0.1:" + ports.s3() + "/songs/"
                + song.path("archive").path("song").path("key").asText());
        assertValidWav(archivedSong, song.path("duration_seconds").asInt());

        List<ProcessHandle> started = first.process.descendants().collect(Collectors.toList());
        assertThat(started.stream()
                        .filter(p -> p.info().command().orElse("").endsWith("java"))
                        .count())
                .as(
                        "the broker, the emulator, the S3 server and the bridge are children of the script: %s",
                        describe(started))
                .isGreaterThanOrEqualTo(4);
        first.interrupt();
        assertStoppedCleanly(first, started, ports);
        assertThat(stopOrder(first.output()))
                .as("each child still up when its turn to stop came, in order; output:%n%s", first.output())
                .containsExactly("the bridge", "the S3 server", "the Whisul emulator", "Kafka");

        // ---- second run on the same data folder, without the bridge (as the image check runs it): starts cleanly
        // (fresh broker), then Ctrl-C again
        Run second = start(root, env, runDir.resolve("run-local-2.out"), "--only=kafka,emulator");
        Duration secondReady = second.awaitReady(READY);
        assertThat(second.output())
                .contains("topic song-prompts: 6 partitions, created")
                .doesNotContain("starting the bridge");
        assertThat(listening(ports.management())).as("no bridge with --only").isFalse();
        List<ProcessHandle> startedAgain = second.process.descendants().collect(Collectors.toList());
        second.interrupt();
        assertStoppedCleanly(second, startedAgain, ports);
        assertThat(stopOrder(second.output())).containsExactly("the Whisul emulator", "Kafka");

        System.out.printf(
                "RunLocalIT: first run ready in %d s, second in %d s%n",
                firstReady.toSeconds(), secondReady.toSeconds());
    }

    @AfterEach
    void killLeftovers() {
        for (Run run : runs) {
            if (run.process.isAlive()) {
                run.process.descendants().forEach(ProcessHandle::destroyForcibly);
                run.process.destroyForcibly();
            }
        }
    }

    // ---- the script ------------------------------------------------------------------------------------------------

    private static Map<String, String> environment(Path runDir, Ports ports) {
        Map<String, String> env = new HashMap<>(System.getenv());
        // Whatever the developer or CI has set must not send this run to another Kafka or Whisul.
        env.keySet()
                .removeIf(name -> name.startsWith("KAFKA_")
                        || name.startsWith("WHISUL_")
                        || name.startsWith("BRIDGE_")
                        || name.startsWith("RUN_LOCAL_"));
        env.put("RUN_LOCAL_DIR", runDir.toString());
        env.put("RUN_LOCAL_SKIP_BUILD", "1");
        env.put("RUN_LOCAL_KAFKA_PORT", String.valueOf(ports.kafka()));
        env.put("RUN_LOCAL_KAFKA_CONTROLLER_PORT", String.valueOf(ports.controller()));
        env.put("RUN_LOCAL_EMULATOR_PORT", String.valueOf(ports.emulator()));
        env.put("BRIDGE_HTTP_PORT", String.valueOf(ports.http()));
        env.put("BRIDGE_MANAGEMENT_PORT", String.valueOf(ports.management()));
        env.put("RUN_LOCAL_S3_PORT", String.valueOf(ports.s3()));
        env.keySet().removeIf(name -> name.startsWith("ARCHIVE_") || name.startsWith("AWS_"));
        return env;
    }

    private Run start(Path root, Map<String, String> env, Path log, String... args) throws IOException {
        // a session of its own, as a terminal gives a foreground job: Ctrl-C below reaches the whole process group
        List<String> command = new ArrayList<>(List.of("setsid", "./run-local"));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Run run = new Run(builder.start(), log);
        runs.add(run);
        return run;
    }

    /** A running {@code ./run-local}: its output is copied to a log file and kept for assertions. */
    private static final class Run {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final CompletableFuture<Void> stopping = new CompletableFuture<>();
        /** Completes once the last line of the output has been read: only then can the output be judged whole. */
        final CompletableFuture<Void> drained = new CompletableFuture<>();

        final long startNanos = System.nanoTime();
        final Path log;

        Run(Process process, Path log) {
            this.process = process;
            this.log = log;
            Thread reader = new Thread(this::copyOutput, "run-local-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void copyOutput() {
            try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                    out.println(line);
                    out.flush();
                    if (line.contains(READY_LINE)) {
                        ready.complete(null);
                    }
                    if (line.contains("Stopping")) {
                        stopping.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process went away
            } finally {
                ready.completeExceptionally(new IllegalStateException("./run-local exited before it was ready"));
                stopping.complete(null);
                drained.complete(null);
            }
        }

        String output() {
            return String.join("\n", lines);
        }

        Duration awaitReady(Duration limit) {
            try {
                ready.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                fail("./run-local was not ready within " + limit.toSeconds() + " s (" + e + "); output:\n" + output());
            }
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }

        /** Ctrl-C. Should SIGINT be ignored (a parent started us with SIGINT ignored), SIGTERM takes the same path. */
        /** Ctrl-C as a terminal sends it: to every process of the run's group, children included. */
        void interrupt() throws Exception {
            signal("INT", "-" + process.pid());
            try {
                stopping.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException ignored) {
                System.out.println("RunLocalIT: ./run-local did not react to SIGINT (ignored by a parent?); "
                        + "sending SIGTERM, which takes the same path");
                signal("TERM", String.valueOf(process.pid()));
            }
        }

        private void signal(String name, String target) throws Exception {
            new ProcessBuilder("kill", "-" + name, "--", target)
                    .inheritIO()
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void assertStoppedCleanly(Run run, List<ProcessHandle> started, Ports ports) throws Exception {
        assertThat(run.process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS))
                .as("./run-local stopped within %d s after Ctrl-C; output:%n%s", STOP.toSeconds(), run.output())
                .isTrue();
        run.drained.get(30, TimeUnit.SECONDS);
        assertThat(run.process.exitValue())
                .as("exit code after Ctrl-C; output:%n%s", run.output())
                .isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (started.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(started.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList()))
                .as("processes the script started that are still alive")
                .isEmpty();
        for (Map.Entry<String, Integer> port : ports.byName().entrySet()) {
            assertThat(listening(port.getValue()))
                    .as("%s port %d still has a listener", port.getKey(), port.getValue())
                    .isFalse();
        }
        assertThat(run.output()).contains("Stopped: everything this run started is gone");
    }

    /** The children named in "stopping X (pid N)" lines, in the order the run stopped them. */
    private static List<String> stopOrder(String output) {
        String[] children = {"the bridge", "the S3 server", "the Whisul emulator", "Kafka"};
        List<String> order = new ArrayList<>();
        for (String line : output.split("\n")) {
            for (String child : children) {
                if (line.contains("stopping " + child + " (pid")) {
                    order.add(child);
                }
            }
        }
        return order;
    }

    private static String describe(List<ProcessHandle> processes) {
        return processes.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .collect(Collectors.joining("; "));
    }

    record Result(int exitCode, String output) {}

    private static Result exec(Path root, Map<String, String> env, Path log, Duration limit, String... command)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + limit.toSeconds() + " s; output:\n"
                    + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log));
    }

    private static JsonNode rawOutcome(String output) throws IOException {
        for (String line : output.split("\n")) {
            if (line.startsWith(TryPrompt.RAW_PREFIX)) {
                return JSON.readTree(line.substring(TryPrompt.RAW_PREFIX.length()));
            }
        }
        throw new AssertionError("no '" + TryPrompt.RAW_PREFIX + "' line in:\n" + output);
    }

    // ---- the files -------------------------------------------------------------------------------------------------

    private static byte[] download(String url) throws Exception {
        HttpResponse<byte[]> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("GET %s", url).isEqualTo(200);
        return response.body();
    }

    private static void assertValidWav(byte[] wav, int durationSeconds) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            AudioFormat format = in.getFormat();
            assertThat(format.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
            assertThat(format.getSampleSizeInBits()).isEqualTo(16);
            double seconds = in.getFrameLength() / (double) format.getFrameRate();
            assertThat(seconds).as("WAV length vs duration_seconds").isCloseTo(durationSeconds, offset(1.0));
            byte[] pcm = in.readAllBytes();
            int peak = 0;
            for (int i = 0; i + 1 < pcm.length; i += 2) {
                int sample = format.isBigEndian()
                        ? (pcm[i] << 8) | (pcm[i + 1] & 0xff)
                        : (pcm[i + 1] << 8) | (pcm[i] & 0xff);
                peak = Math.max(peak, Math.abs(sample));
            }
            assertThat(peak).as("peak sample of a non-silent track").isGreaterThan(3000);
        }
    }

    private static void assertValidPng(byte[] png) throws IOException {
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image).as("ImageIO decodes the cover").isNotNull();
        assertThat(image.getWidth()).isPositive();
        assertThat(image.getHeight()).isPositive();
    }

    // ---- ports -----------------------------------------------------------------------------------------------------

    record Ports(int kafka, int controller, int emulator, int http, int management, int s3) {

        /**
         * Six free ports below the usual ephemeral range (32768 and up on Linux), so that no client connection of
         * the processes being started can take one of them between this check and the bind.
         */
        static Ports free() {
            Random random = new Random();
            Set<Integer> chosen = new LinkedHashSet<>();
            for (int attempt = 0; chosen.size() < 6; attempt++) {
                if (attempt > 2000) {
                    throw new IllegalStateException("no 6 free ports between 20000 and 32000");
                }
                int port = 20000 + random.nextInt(12000);
                if (!chosen.contains(port) && bindable(port)) {
                    chosen.add(port);
                }
            }
            Integer[] ports = chosen.toArray(new Integer[0]);
            return new Ports(ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
        }

        private static boolean bindable(int port) {
            if (listening(port)) {
                return false;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(port));
                return true;
            } catch (IOException taken) {
                return false;
            }
        }

        Map<String, Integer> byName() {
            Map<String, Integer> all = new LinkedHashMap<>();
            all.put("Kafka", kafka);
            all.put("Kafka controller", controller);
            all.put("emulator", emulator);
            all.put("bridge HTTP", http);
            all.put("bridge management", management);
            all.put("S3 server", s3);
            return all;
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static Path projectRoot() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("run-local")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no ./run-local at or above " + dir);
    }
}
