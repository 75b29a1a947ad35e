package io.whisulbridge.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Adobe S3Mock, a real S3-compatible server, as a process of its own: the archive tests and {@code ./run-local}
 * start it the same way. Its in-JVM modules bring Spring Boot and Kotlin, which would clash with Quarkus; its runnable
 * jar, copied next to the build by Maven ({@code target/s3mock/s3mock.jar}), does not.
 * <p>
 * Loopback: S3Mock's plain-HTTP port (the one used here) binds every interface whatever it is told; only its HTTPS
 * port honours {@code --server.address}, which is set to 127.0.0.1. Run it on a machine whose firewall keeps the
 * port private, or use the HTTPS port. Data lives in {@code dataDir} and survives a {@link #stop()}, so a test can
 * take the bucket away and bring it back with its objects.
 */
public final class S3MockProcess implements AutoCloseable {

    /** Where Maven copies the jar; {@code -Ds3mock.jar=...} points elsewhere. */
    public static final Path DEFAULT_JAR = Path.of("target", "s3mock", "s3mock.jar");

    private static final Duration READY_WITHIN = Duration.ofSeconds(60);

    private final Path jar;
    private final Path dataDir;
    private final Path log;
    private final String bucket;
    private final int port;
    private final int httpsPort;
    private final String maxHeap;
    private final List<String> jvmFlags;
    private Process process;

    private S3MockProcess(
            Path jar,
            Path dataDir,
            Path log,
            String bucket,
            int port,
            int httpsPort,
            String maxHeap,
            List<String> jvmFlags) {
        this.jar = jar;
        this.dataDir = dataDir;
        this.log = log;
        this.bucket = bucket;
        this.port = port;
        this.httpsPort = httpsPort;
        this.maxHeap = maxHeap;
        this.jvmFlags = List.copyOf(jvmFlags);
    }

    /** Starts S3Mock on free ports with {@code bucket} created, and waits until it answers. */
    public static S3MockProcess start(Path dataDir, String bucket) throws IOException, InterruptedException {
        S3MockProcess s3 = begin(jar(), dataDir, dataDir.resolve("s3mock.log"), bucket, freePort(), "256m", List.of());
        s3.awaitReady();
        return s3;
    }

    /**
     * Starts the process and returns at once, so a caller can start other things while it boots (about 6-9 s);
     * {@link #awaitReady()} then waits for it. {@code jvmFlags} go before {@code -jar} (e.g. a marker that finds
     * a leftover process later).
     */
    public static S3MockProcess begin(
            Path jar, Path dataDir, Path log, String bucket, int port, String maxHeap, List<String> jvmFlags)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar.toAbsolutePath() + " is missing: Maven copies it there during the build "
                            + "(./mvnw -B package), or point -Ds3mock.jar at com.adobe.testing:s3mock:5.2.0:jar:exec");
        }
        S3MockProcess s3 = new S3MockProcess(jar, dataDir, log, bucket, port, freePort(), maxHeap, jvmFlags);
        s3.spawn();
        return s3;
    }

    public static Path jar() {
        String configured = System.getProperty("s3mock.jar");
        return configured == null || configured.isBlank() ? DEFAULT_JAR : Path.of(configured);
    }

    /** The plain-HTTP endpoint, for {@code ARCHIVE_S3_ENDPOINT} (path-style only). */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public String bucket() {
        return bucket;
    }

    public int port() {
        return port;
    }

    /** (Re)starts the server on the same port and data: after {@link #stop()}, the bucket is back with its objects. */
    public void launch() throws IOException, InterruptedException {
        spawn();
        awaitReady();
    }

    private void spawn() throws IOException {
        Files.createDirectories(dataDir);
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + maxHeap));
        command.addAll(jvmFlags);
        command.addAll(List.of(
                "-jar",
                jar.toString(),
                "--http.port=" + port,
                "--server.port=" + httpsPort,
                "--server.address=127.0.0.1",
                "--spring.main.banner-mode=off",
                "--logging.level.root=WARN"));
        // SIGINT ignored, like every child of a local run: a terminal's Ctrl-C must not stop the bucket before the
        // bridge that may still be uploading to it
        ProcessBuilder builder = new ProcessBuilder(ChildProcesses.ignoringInterrupt(command))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        builder.environment()
                .put(
                        "COM_ADOBE_TESTING_S3MOCK_STORE_ROOT",
                        dataDir.resolve("store").toString());
        builder.environment().put("COM_ADOBE_TESTING_S3MOCK_STORE_INITIAL_BUCKETS", bucket);
        // kept across stop/launch, so "the bucket is back" means with what it held
        builder.environment().put("COM_ADOBE_TESTING_S3MOCK_STORE_RETAIN_FILES_ON_EXIT", "true");
        process = builder.start();
    }

    /** SIGTERM and wait: the endpoint refuses connections until {@link #launch()}. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public ProcessHandle process() {
        return process.toHandle();
    }

    public Path log() {
        return log;
    }

    /** Waits until the bucket answers; fails if the process exits first or takes over a minute. */
    public void awaitReady() throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(endpoint() + "/" + bucket))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5))
                .build();
        Instant giveUp = Instant.now().plus(READY_WITHIN);
        while (Instant.now().isBefore(giveUp)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited during start-up; see " + log().toAbsolutePath());
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return; // the bucket exists: S3Mock is serving
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(
                "S3Mock did not answer within " + READY_WITHIN + "; see " + log().toAbsolutePath());
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
