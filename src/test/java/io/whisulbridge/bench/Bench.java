package io.whisulbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.cli.S3MockProcess;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.emulator.EmulatorSettings;
import io.whisulbridge.emulator.EmulatorStats;
import io.whisulbridge.emulator.WhisulEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * The benchmark harness (issue 7). It starts a real broker and the packaged bridge (or the naive baseline) as
 * separate processes, runs the Whisul emulator in this JVM, publishes prompts and measures from outside. See
 * BENCHMARKS.md for the method. {@code main} is the full run ({@code ./mvnw -B verify -Pbench}); {@link BenchSmokeIT}
 * runs {@link Options#smoke()}.
 */
public final class Bench {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sizes of one run. Time-like knobs are scaled by {@code timeScale} in the smoke run. */
    record Options(
            String label,
            Path workDir,
            Path plotDir,
            int throughputPrompts,
            int naiveThroughputPrompts,
            Duration ceilingFor,
            int pollPrompts,
            int naivePollPrompts,
            Duration pollJobMin,
            Duration pollJobMax,
            double timeScale,
            Duration pollGroupMax,
            int[] capacitySteps,
            Duration capacityJobMin,
            Duration capacityJobMax,
            Duration capacityPoll,
            Duration capacityHold,
            Duration capacityRampMax,
            int capacityFeedPerSecond,
            double steadyRatePerSecond,
            Duration steadySubmitFor,
            Duration steadyWarmup,
            List<String> scenarios) {

        /** Scenarios of the smoke run. {@code throughput-baseline} is opt-in everywhere. */
        static final List<String> DEFAULT_SCENARIOS = List.of("throughput", "polling", "polling-steady", "capacity");

        static final List<String> ALL_SCENARIOS = List.of(
                "throughput",
                "throughput-baseline",
                "polling",
                "polling-steady",
                "capacity",
                "ledger-takeover",
                "archive",
                "polling-sim",
                "fairness");
        /** The full run adds the ledger takeover (it waits for a checkpoint, so the smoke run leaves it out). */
        static final List<String> FULL_SCENARIOS = List.of(
                "polling-sim",
                "throughput",
                "polling",
                "polling-steady",
                "capacity",
                "ledger-takeover",
                "archive",
                "fairness");

        Options withScenarios(List<String> names) {
            for (String n : names) {
                if (!ALL_SCENARIOS.contains(n)) {
                    throw new IllegalArgumentException("unknown scenario " + n + "; known: " + ALL_SCENARIOS);
                }
            }
            return new Options(
                    label,
                    workDir,
                    plotDir,
                    throughputPrompts,
                    naiveThroughputPrompts,
                    ceilingFor,
                    pollPrompts,
                    naivePollPrompts,
                    pollJobMin,
                    pollJobMax,
                    timeScale,
                    pollGroupMax,
                    capacitySteps,
                    capacityJobMin,
                    capacityJobMax,
                    capacityPoll,
                    capacityHold,
                    capacityRampMax,
                    capacityFeedPerSecond,
                    steadyRatePerSecond,
                    steadySubmitFor,
                    steadyWarmup,
                    List.copyOf(names));
        }

        Options withThroughputPrompts(int bridge, int naive) {
            return new Options(
                    label,
                    workDir,
                    plotDir,
                    bridge,
                    naive,
                    ceilingFor,
                    pollPrompts,
                    naivePollPrompts,
                    pollJobMin,
                    pollJobMax,
                    timeScale,
                    pollGroupMax,
                    capacitySteps,
                    capacityJobMin,
                    capacityJobMax,
                    capacityPoll,
                    capacityHold,
                    capacityRampMax,
                    capacityFeedPerSecond,
                    steadyRatePerSecond,
                    steadySubmitFor,
                    steadyWarmup,
                    scenarios);
        }

        static Options full() {
            return new Options(
                    "full",
                    Path.of("target", "bench"),
                    Path.of("docs", "benchmarks"),
                    100_000,
                    2_000,
                    Duration.ofSeconds(20),
                    1_000,
                    400,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(180),
                    1.0,
                    Duration.ofMinutes(5),
                    new int[] {10_000, 25_000, 50_000},
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(180),
                    Duration.ofSeconds(120),
                    1_000,
                    4.0,
                    Duration.ofSeconds(480),
                    Duration.ofSeconds(240),
                    FULL_SCENARIOS);
        }

        static Options smoke() {
            return new Options(
                    "smoke",
                    Path.of("target", "bench-smoke"),
                    Path.of("target", "bench-smoke"),
                    300,
                    40,
                    Duration.ofSeconds(2),
                    100,
                    40,
                    Duration.ofMillis(1500),
                    Duration.ofMillis(3000),
                    0.1,
                    Duration.ofSeconds(30),
                    new int[] {300},
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(6),
                    Duration.ofMillis(500),
                    Duration.ofSeconds(4),
                    Duration.ofSeconds(30),
                    1_000,
                    20.0,
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(8),
                    DEFAULT_SCENARIOS);
        }
    }

    /** One row of the results table. Absent figures are NaN. */
    record Row(
            String scenario,
            String system,
            long prompts,
            long completed,
            long failed,
            double seconds,
            double promptsPerSecond,
            double completedPerMinute,
            double requestsPerJob,
            double lagP50,
            double lagP95,
            double lagP99,
            double peakInFlight,
            double heapMaxMiB,
            double liveHeapMaxMiB,
            double rssMaxMiB,
            double cpuMeanCores,
            double slipP50,
            double slipP99,
            double slipMax,
            long pollsOver1sLate,
            long pollsMeasured) {}

    /** A machine sample of the process under test. */
    /** {@code liveHeapBytes}: what the last GC left of the old generation, the heap the jobs really need; NaN if unknown. */
    record Sample(long at, double inFlight, double heapBytes, double liveHeapBytes, double rssBytes, double cpuCores) {}

    record Results(List<Row> rows, double ceilingJobsPerSecond, Map<String, Path> plots, String markdown) {}

    /**
     * One run of the fairness scenario (issue 13). The quiet tenant B's prompts: how long each took from being
     * published to its accepted submit arriving at Whisul (through the recording proxy). The flooding tenant A: its
     * accepted submits and its outcomes over the run. The budget's use: Whisul's requests over the run, and in B's
     * window (from B's publish to B's last submit) the polls and A's submits that shared the budget with B's.
     */
    record FairRun(
            String run,
            String settings,
            int flood,
            int quiet,
            int quietSubmitted,
            double quietP50,
            double quietP95,
            double quietMax,
            double seconds,
            long floodSubmits,
            long floodSongs,
            double requestsPerSecond,
            double quietWindowSeconds,
            long quietWindowPolls,
            long quietWindowFloodSubmits) {

        double floodSubmitsPerMinute() {
            return floodSubmits / seconds * 60;
        }

        double floodSongsPerMinute() {
            return floodSongs / seconds * 60;
        }
    }

    /** Fairness scenario sizes (issue 13): full run only. */
    static final int FAIR_FLOOD = 5_000;

    static final int FAIR_QUIET = 50;
    /** The shipped request budget, binding: 50 prompts alone take 2.5 s of it. */
    static final String FAIR_BUDGET = "20";
    /** Emulator job lengths, uniform: short, so that the run is short; all end before the default first poll (5 s). */
    static final Duration FAIR_JOB_MIN = Duration.ofSeconds(2);

    static final Duration FAIR_JOB_MAX = Duration.ofSeconds(4);
    /** B publishes this long after A's flood (and not before A's first submit reached Whisul). */
    static final Duration FAIR_LEAD = Duration.ofSeconds(2);
    /** A flood run lasts at least this long from A's publish, for A's throughput. */
    static final Duration FAIR_WINDOW = Duration.ofSeconds(120);
    /** The labelled variant's in-flight limit: about what 20 requests/s keep busy (2 calls per job, ~6 s per job). */
    static final String FAIR_VARIANT_IN_FLIGHT = "50";

    public static void main(String[] args) throws Exception {
        Options options = Arrays.asList(args).contains("--smoke") ? Options.smoke() : Options.full();
        // which scenarios: --scenarios=a,b (e.g. -Dbench.args=--scenarios=polling-steady with -Pbench), or the
        // system property bench.scenarios when the harness is started by hand
        String named = System.getProperty("bench.scenarios", "");
        for (String a : args) {
            if (a.startsWith("--scenarios=")) {
                named = a.substring("--scenarios=".length());
            }
        }
        if (!named.isBlank()) {
            options = options.withScenarios(Arrays.stream(named.split(","))
                    .map(String::trim)
                    .filter(x -> !x.isEmpty())
                    .toList());
        }
        int bridgePrompts = options.throughputPrompts();
        int naivePrompts = options.naiveThroughputPrompts();
        for (String a : args) {
            if (a.startsWith("--throughput-prompts=")) {
                bridgePrompts = Integer.parseInt(a.substring("--throughput-prompts=".length()));
            } else if (a.startsWith("--naive-throughput-prompts=")) {
                naivePrompts = Integer.parseInt(a.substring("--naive-throughput-prompts=".length()));
            }
        }
        options = options.withThroughputPrompts(bridgePrompts, naivePrompts);
        Results results = new Bench(options).run();
        System.out.println(results.markdown());
        System.exit(0);
    }

    private final Options o;
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Path> plots = new LinkedHashMap<>();
    private BrokerProcess broker;
    private Vertx vertx;
    private WhisulEmulator emulator;
    private double ceiling = Double.NaN;
    private final List<Sample> capacitySamples = new ArrayList<>();
    private final List<LedgerTakeover.Result> takeovers = new ArrayList<>();
    private final List<String> archiveFigures = new ArrayList<>();
    private final List<PollingSimulation.Result> simulated = new ArrayList<>();
    private final List<FairRun> fairRuns = new ArrayList<>();

    Bench(Options options) {
        this.o = options;
    }

    Results run() throws Exception {
        Files.createDirectories(o.workDir());
        Files.createDirectories(o.plotDir());
        long started = System.currentTimeMillis();
        if (o.scenarios().contains("polling-sim")) {
            // issue 15's matrix in simulated time: seconds of CPU, no broker, so it runs first
            simulated.addAll(new PollingSimulation(PollingSimulation.Sizes.full()).runAll());
            plots.putAll(PollingSimulation.plots(simulated, o.plotDir()));
            log("polling simulation: " + simulated.size() + " cells");
        }
        if (!o.scenarios().stream().allMatch("polling-sim"::equals)) {
            realTime(started);
        }
        drawPlots();
        String md = markdown((System.currentTimeMillis() - started) / 1000.0);
        Files.writeString(o.workDir().resolve("results.md"), md);
        return new Results(List.copyOf(rows), ceiling, Map.copyOf(plots), md);
    }

    /** The scenarios that run the packaged service against a broker and the emulator, in real time. */
    private void realTime(long started) throws Exception {
        vertx = Vertx.vertx();
        try (BrokerProcess b = BrokerProcess.start(o.workDir().resolve("broker-" + started), "768m")) {
            broker = b;
            emulator = WhisulEmulator.startBlocking(
                    vertx,
                    EmulatorSettings.builder()
                            .jobDuration(Duration.ofMillis(1))
                            .statsMaxEntries(2_000_000)
                            .completedJobTtl(Duration.ofMinutes(5))
                            .renderCacheBytes(0)
                            .seed(7L)
                            .build());
            log("emulator at " + emulator.baseUrl() + ", broker at " + broker.bootstrapServers());
            log("scenarios: " + o.scenarios());
            if (o.scenarios().contains("throughput")) {
                throughput();
            } else if (o.scenarios().contains("throughput-baseline")) {
                naiveThroughput();
            }
            if (o.scenarios().contains("polling")) {
                pollingEfficiency();
            }
            if (o.scenarios().contains("polling-steady")) {
                pollingSteady();
            }
            if (o.scenarios().contains("capacity")) {
                capacity();
            }
            if (o.scenarios().contains("ledger-takeover")) {
                // issue sizes: 1,000,000 finished entries (500,000 requests) and 1,000 open jobs in one partition
                takeovers.addAll(new LedgerTakeover(broker, emulator, o.workDir()).run(500_000, 1_000));
            }
            if (o.scenarios().contains("archive")) {
                archive();
            }
            if (o.scenarios().contains("fairness")) {
                fairness();
            }
            emulator.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- scenarios

    private void throughput() throws Exception {
        emulator.updateSettings(s -> s.jobDuration(Duration.ofMillis(1)));
        ceiling = emulatorCeiling(o.ceilingFor());
        log(String.format(
                Locale.ROOT,
                "emulator ceiling (submit + poll per job, 64 connections, in-JVM client): %.0f jobs/s",
                ceiling));

        Scenario bridge = new Scenario("tp-bridge");
        try (BenchProcess p = bridge.startBridge("backoff", "512m", Map.of("BRIDGE_MAX_IN_FLIGHT", "50000"), null)) {
            rows.add(bridge.drive(
                    p, o.throughputPrompts(), Duration.ofMinutes(8), "throughput", "bridge (backoff)", null));
        }
        naiveThroughput();
    }

    private void naiveThroughput() throws Exception {
        emulator.updateSettings(s -> s.jobDuration(Duration.ofMillis(1)));
        Scenario naive = new Scenario("tp-naive");
        // it does about 200 threads / 5 s = 40 jobs/s; leave it twice that long
        Duration limit = Duration.ofSeconds(Math.max(180, o.naiveThroughputPrompts() / 20));
        try (BenchProcess p = naive.startNaive(Math.round(5000 * o.timeScale()))) {
            rows.add(naive.drive(p, o.naiveThroughputPrompts(), limit, "throughput", "naive baseline", null));
        }
    }

    private void pollingEfficiency() throws Exception {
        Scenario naive = new Scenario("pe-naive");
        rows.addAll(scheduleBridgesAtOnce(
                "pe-",
                (s, p, system, proxy) ->
                        s.drive(p, o.pollPrompts(), o.pollGroupMax(), "polling efficiency", system, proxy),
                naive,
                viaProxy -> naive.startNaive(Math.round(5000 * o.timeScale()), viaProxy),
                (s, p, system, proxy) -> s.drive(
                        p,
                        o.naivePollPrompts(),
                        o.pollGroupMax(),
                        "polling efficiency",
                        "naive baseline (sleep " + 5 * o.timeScale() + " s)",
                        proxy)));
    }

    /** One system's drive, given its scenario, its process, its name in the table and the recording proxy. */
    private interface Drive {
        Row run(Scenario scenario, BenchProcess process, String system, RecordingProxy proxy) throws Exception;
    }

    private interface Launch {
        BenchProcess start(String viaProxy) throws Exception;
    }

    /**
     * A bridge per poll schedule (fixed, backoff, adaptive), each its own process on its own topics, and optionally
     * the naive baseline, all reaching the emulator (jobs of the polling length) through one recording proxy and
     * driven at once. Rows come back sorted by system.
     */
    private List<Row> scheduleBridgesAtOnce(
            String prefix, Drive bridgeDrive, Scenario naive, Launch naiveLaunch, Drive naiveDrive) throws Exception {
        emulator.updateSettings(s -> s.jobDuration(o.pollJobMin(), o.pollJobMax()));
        RecordingProxy proxy = new RecordingProxy(emulator.port());
        String proxyId = await(vertx.deployVerticle(proxy));
        String viaProxy = "http://127.0.0.1:" + proxy.port() + "/api";
        List<Scenario> scenarios = new ArrayList<>();
        List<BenchProcess> processes = new ArrayList<>();
        List<Callable<Row>> drives = new ArrayList<>();
        try {
            // the full run adds issue 15's schedule; the smoke run keeps to three bridges for its time limit
            List<String> schedules = o.label().equals("full")
                    ? List.of("fixed", "backoff", "adaptive", "survival")
                    : List.of("fixed", "backoff", "adaptive");
            for (String schedule : schedules) {
                Scenario s = new Scenario(prefix + schedule);
                BenchProcess p = s.startBridge(schedule, "512m", Map.of("BRIDGE_MAX_IN_FLIGHT", "50000"), viaProxy);
                scenarios.add(s);
                processes.add(p);
                String system = "bridge, " + schedule + " schedule";
                drives.add(() -> bridgeDrive.run(s, p, system, proxy));
            }
            if (naive != null) {
                BenchProcess p = naiveLaunch.start(viaProxy);
                scenarios.add(naive);
                processes.add(p);
                drives.add(() -> naiveDrive.run(naive, p, null, proxy));
            }
            List<Row> found = driveAtOnce(scenarios, drives);
            found.sort((a, b) -> a.system().compareTo(b.system()));
            return found;
        } finally {
            for (BenchProcess p : processes) {
                p.close();
            }
            await(vertx.undeploy(proxyId));
        }
    }

    /** Runs every system's drive on a thread of its own, all at once; a drive that fails yields no row. */
    private static List<Row> driveAtOnce(List<Scenario> scenarios, List<Callable<Row>> drives)
            throws InterruptedException {
        List<Row> rows = new ArrayList<>();
        List<Thread> drivers = new ArrayList<>();
        for (int i = 0; i < drives.size(); i++) {
            Callable<Row> drive = drives.get(i);
            Thread t = new Thread(
                    () -> {
                        try {
                            Row r = drive.call();
                            synchronized (rows) {
                                rows.add(r);
                            }
                        } catch (Exception e) {
                            e.printStackTrace();
                        }
                    },
                    "drive-" + scenarios.get(i).name);
            t.start();
            drivers.add(t);
        }
        for (Thread t : drivers) {
            t.join();
        }
        return rows;
    }

    /**
     * Polling efficiency in steady state: each schedule's bridge (its own process and topics, all three at once,
     * through the recording proxy, against the same emulator and job-duration distribution) gets prompts at a
     * constant rate for {@code steadySubmitFor}. Only jobs submitted after {@code steadyWarmup} are measured, so an
     * adaptive schedule has had a stream of finished jobs to learn from.
     */
    private void pollingSteady() throws Exception {
        Duration drainMax = o.pollJobMax().plus(o.pollJobMax().dividedBy(4));
        List<Row> found = scheduleBridgesAtOnce(
                "ps-",
                (s, p, system, proxy) -> s.driveSteady(
                        p,
                        o.steadyRatePerSecond(),
                        o.steadySubmitFor(),
                        o.steadyWarmup(),
                        drainMax,
                        "polling steady",
                        system,
                        proxy),
                null,
                null,
                null);
        rows.addAll(found);
        Row fixed = found.stream()
                .filter(r -> r.system().contains("fixed"))
                .findFirst()
                .orElse(null);
        for (Row r : found) {
            if (fixed != null) {
                log(String.format(
                        Locale.ROOT,
                        "polling steady: %s: %.2f requests/job (%.2fx fixed), lag p95 %.2f s (fixed %.2f s)",
                        r.system(),
                        r.requestsPerJob(),
                        r.requestsPerJob() / fixed.requestsPerJob(),
                        r.lagP95(),
                        fixed.lagP95()));
            }
        }
    }

    private void capacity() throws Exception {
        emulator.reset().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        emulator.updateSettings(s -> s.jobDuration(o.capacityJobMin(), o.capacityJobMax()));
        RecordingProxy proxy = new RecordingProxy(emulator.port());
        String proxyId = await(vertx.deployVerticle(proxy));
        String viaProxy = "http://127.0.0.1:" + proxy.port() + "/api";
        int top = Arrays.stream(o.capacitySteps()).max().orElse(1000);
        Scenario s = new Scenario("cap");
        Map<String, String> env = new LinkedHashMap<>(
                Map.of("BRIDGE_MAX_IN_FLIGHT", String.valueOf(top + 1000), "WHISUL_MAX_CONNECTIONS", "200"));
        try (BenchProcess p = s.startBridge("fixed", "512m", env, viaProxy, o.capacityPoll())) {
            s.capacityRun(p, proxy);
        } finally {
            await(vertx.undeploy(proxyId));
        }
    }

    /**
     * Archiving under load (issue 12): 200 jobs complete at once, each with a 5 MiB song (synthetic, streamed by the
     * emulator) and a real cover, and ARCHIVE_MAX_CONCURRENT=200, so 200 transfers stream from the emulator into a
     * real S3-compatible server (S3Mock, its own process) at the same time, through a bridge at -Xmx512m: 200 whole
     * songs would not fit in that heap.
     */
    private void archive() throws Exception {
        int songs = 200;
        long songBytes = 5L << 20;
        emulator.reset().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        emulator.updateSettings(s -> s.jobDuration(Duration.ofMillis(500)).syntheticSongBytes(songBytes));
        try (S3MockProcess s3 = S3MockProcess.start(o.workDir().resolve("s3-" + System.currentTimeMillis()), "songs")) {
            Scenario s = new Scenario("arch");
            Map<String, String> env = new LinkedHashMap<>(Map.ofEntries(
                    Map.entry("ARCHIVE_S3_BUCKET", "songs"),
                    Map.entry("ARCHIVE_S3_ENDPOINT", s3.endpoint()),
                    Map.entry("ARCHIVE_S3_REGION", "us-east-1"),
                    Map.entry("ARCHIVE_S3_PATH_STYLE", "true"),
                    Map.entry("ARCHIVE_MAX_CONCURRENT", String.valueOf(songs)),
                    Map.entry("ARCHIVE_TRANSFER_TIMEOUT", "5m"),
                    Map.entry("ARCHIVE_DEADLINE", "10m"),
                    Map.entry("AWS_ACCESS_KEY_ID", "bench"),
                    Map.entry("AWS_SECRET_ACCESS_KEY", "bench"),
                    Map.entry("AWS_EC2_METADATA_DISABLED", "true"),
                    // each retried transfer says why at DEBUG: the figures below count them
                    Map.entry("QUARKUS_LOG_CATEGORY__IO_WHISULBRIDGE_JOB__LEVEL", "DEBUG")));
            try (BenchProcess p = s.startBridge("fixed", "512m", env, null, Duration.ofSeconds(1))) {
                Row row = s.drive(p, songs, Duration.ofMinutes(10), "archive", "bridge, 200 x 5 MiB at once", null);
                rows.add(row);
                String m = p.metrics();
                double bytes = BenchProcess.sum(m, "whisul_bridge_archive_bytes_total");
                double archived = BenchProcess.sum(m, "whisul_bridge_archive_songs_total{result=\"archived\"");
                double retries = BenchProcess.sum(m, "whisul_bridge_archive_transfer_retries_total");
                String figures = String.format(
                        Locale.ROOT,
                        "archive: %d songs of %d MiB + covers, %.0f fully archived, "
                                + "%.0f MiB in %.1f s from publishing to the last outcome = %.1f MiB/s (%.0f Mbit/s) "
                                + "including submit and polling; %.0f transfer retries; bridge heap max %.0f MiB "
                                + "(-Xmx512m), live heap after GC max %.0f MiB, RSS max %.0f MiB, CPU %.2f cores",
                        songs,
                        songBytes >> 20,
                        archived,
                        bytes / (1 << 20),
                        row.seconds(),
                        bytes / (1 << 20) / row.seconds(),
                        bytes * 8 / 1e6 / row.seconds(),
                        retries,
                        row.heapMaxMiB(),
                        row.liveHeapMaxMiB(),
                        row.rssMaxMiB(),
                        row.cpuMeanCores());
                log(figures);
                archiveFigures.add(figures);
            }
        } finally {
            emulator.updateSettings(s -> s.syntheticSongBytes(0));
        }
    }

    /**
     * Fair shares between tenants (issue 13): the packaged bridge at the shipped budget of 20 requests/s and the
     * default (backoff) poll schedule, jobs of 2-4 s, through the recording proxy, which notes when each prompt's
     * submit arrived. Run 1: tenant B publishes 50 prompts alone. Run 2: tenant A publishes 5,000, then B 50 while A's
     * flood is being submitted. Each run has a bridge of its own on topics of its own. A third run, a labelled
     * variant, repeats run 2 with a smaller in-flight limit.
     */
    private void fairness() throws Exception {
        emulator.reset().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        emulator.updateSettings(s -> s.jobDuration(FAIR_JOB_MIN, FAIR_JOB_MAX));
        RecordingProxy proxy = new RecordingProxy(emulator.port(), 3 * (FAIR_FLOOD + FAIR_QUIET));
        String proxyId = await(vertx.deployVerticle(proxy));
        String viaProxy = "http://127.0.0.1:" + proxy.port() + "/api";
        String settings = "budget " + FAIR_BUDGET + "/s, backoff (default), jobs " + FAIR_JOB_MIN.toSeconds() + "-"
                + FAIR_JOB_MAX.toSeconds() + " s";
        try {
            Map<String, String> env = Map.of("WHISUL_MAX_REQUESTS_PER_SECOND", FAIR_BUDGET);
            Scenario alone = new Scenario("fair-alone");
            try (BenchProcess p = alone.startBridge("backoff", "512m", env, viaProxy)) {
                fairRuns.add(alone.fairRun(
                        p, proxy, "B alone", settings + ", in flight 1000 (default)", 0, FAIR_QUIET, null));
            }
            Scenario behind = new Scenario("fair-flood");
            try (BenchProcess p = behind.startBridge("backoff", "512m", env, viaProxy)) {
                fairRuns.add(behind.fairRun(
                        p,
                        proxy,
                        "B behind A",
                        settings + ", in flight 1000 (default)",
                        FAIR_FLOOD,
                        FAIR_QUIET,
                        FAIR_WINDOW));
            }
            Scenario variant = new Scenario("fair-flood-if");
            Map<String, String> small = Map.of(
                    "WHISUL_MAX_REQUESTS_PER_SECOND", FAIR_BUDGET, "BRIDGE_MAX_IN_FLIGHT", FAIR_VARIANT_IN_FLIGHT);
            try (BenchProcess p = variant.startBridge("backoff", "512m", small, viaProxy)) {
                fairRuns.add(variant.fairRun(
                        p,
                        proxy,
                        "variant: B behind A, in flight " + FAIR_VARIANT_IN_FLIGHT,
                        settings + ", BRIDGE_MAX_IN_FLIGHT=" + FAIR_VARIANT_IN_FLIGHT,
                        FAIR_FLOOD,
                        FAIR_QUIET,
                        FAIR_WINDOW));
            }
        } finally {
            await(vertx.undeploy(proxyId));
        }
        fairRuns.forEach(r -> log("fairness: " + r));
    }

    static String fairnessMarkdown(List<FairRun> runs) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                "| run | settings | A prompts | B prompts | B submitted | B publish→submit p50 s | p95 s | max s | run s | A submits/min | A songs/min | Whisul requests/s | B's window s | polls in B's window | A submits in B's window |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (FairRun r : runs) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %d | %d | %s | %s | %s | %.1f | %s | %s | %.1f | %.1f | %d | %d |%n",
                    r.run(),
                    r.settings(),
                    r.flood(),
                    r.quiet(),
                    r.quietSubmitted(),
                    f2(r.quietP50()),
                    f2(r.quietP95()),
                    f2(r.quietMax()),
                    r.seconds(),
                    r.flood() == 0 ? "–" : f0(r.floodSubmitsPerMinute()),
                    r.flood() == 0 ? "–" : f0(r.floodSongsPerMinute()),
                    r.requestsPerSecond(),
                    r.quietWindowSeconds(),
                    r.quietWindowPolls(),
                    r.quietWindowFloodSubmits()));
        }
        FairRun alone = runs.stream().filter(r -> r.flood() == 0).findFirst().orElse(null);
        if (alone != null) {
            for (FairRun r : runs) {
                if (r.flood() > 0) {
                    sb.append(String.format(
                            Locale.ROOT,
                            "%n%s: B's p95 is %.2f× its p95 alone (target: within 2×); p50 %.2f×.%n",
                            r.run(),
                            r.quietP95() / alone.quietP95(),
                            r.quietP50() / alone.quietP50()));
                }
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- the emulator's own ceiling

    /** Jobs per second the emulator completes for a plain client doing what the bridge does: submit, then poll to done. */
    private double emulatorCeiling(Duration forHowLong) throws Exception {
        emulator.resetStats();
        int connections = 64;
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost("127.0.0.1")
                        .setDefaultPort(emulator.port())
                        .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(connections));
        String auth = "Bearer " + emulator.apiKey();
        AtomicLong jobs = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(connections);
        long warmupEnd = System.currentTimeMillis() + Math.min(3000, forHowLong.toMillis() / 4);
        AtomicLong countedFrom = new AtomicLong(-1);
        for (int c = 0; c < connections; c++) {
            int lane = c;
            Runnable[] loop = new Runnable[1];
            loop[0] = () -> {
                if (stop.get()) {
                    finished.countDown();
                    return;
                }
                String body = "{\"prompt\":\"ceiling " + lane + " calm piano\"}";
                client.request(HttpMethod.POST, "/api/generate")
                        .compose(req -> req.putHeader("Authorization", auth)
                                .putHeader("Content-Type", "application/json")
                                .send(body)
                                .compose(r -> r.body()))
                        .compose(b -> poll(client, auth, new JsonReader(b.toString()).jobId()))
                        .onComplete(done -> {
                            if (System.currentTimeMillis() >= warmupEnd) {
                                countedFrom.compareAndSet(-1, System.currentTimeMillis());
                                jobs.incrementAndGet();
                            }
                            loop[0].run();
                        });
            };
            vertx.runOnContext(v -> loop[0].run());
        }
        Thread.sleep(forHowLong.toMillis());
        stop.set(true);
        long end = System.currentTimeMillis();
        finished.await(30, TimeUnit.SECONDS);
        client.close();
        double rate = jobs.get() / ((end - countedFrom.get()) / 1000.0);
        EmulatorStats st = emulator.stats();
        log(String.format(Locale.ROOT, "ceiling run: %d requests for %d jobs", st.totalRequests(), st.jobsCreated()));
        return rate;
    }

    private Future<Void> poll(HttpClient client, String auth, String jobId) {
        return client.request(HttpMethod.GET, "/api/jobs/" + jobId)
                .compose(req -> req.putHeader("Authorization", auth).send().compose(r -> r.body()))
                .compose(b -> b.toString().contains("\"status\":\"running\"")
                        ? poll(client, auth, jobId)
                        : Future.succeededFuture());
    }

    private record JsonReader(String text) {
        String jobId() {
            int i = text.indexOf("\"job_id\":\"") + 10;
            return text.substring(i, text.indexOf('"', i));
        }
    }

    // ---------------------------------------------------------------- one system under test on its own topics

    private final class Scenario {
        final String name;
        final String prefix;
        final TopicSet topics;
        final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
        final AtomicLong published = new AtomicLong();
        final List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private KafkaProducer<String, String> producer;
        private Path naiveStats;

        record Outcome(String jobId, long receivedAt, long finishedAtSecondMs, boolean failed) {}

        Scenario(String name) throws Exception {
            this.name = name;
            this.prefix = name + "-" + Long.toString(System.nanoTime() % 100000, 36);
            this.topics = TopicSet.DEFAULT.prefixed(prefix + "-");
            broker.createTopics(topics.partitions(6, 3));
        }

        BenchProcess startBridge(String schedule, String xmx, Map<String, String> extra, String baseUrl)
                throws Exception {
            return startBridge(schedule, xmx, extra, baseUrl, null);
        }

        BenchProcess startBridge(
                String schedule, String xmx, Map<String, String> extra, String baseUrl, Duration fixedInterval)
                throws Exception {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            env.put("WHISUL_BASE_URL", baseUrl == null ? emulator.baseUrl() : baseUrl);
            env.put("WHISUL_API_KEY", emulator.apiKey());
            env.put("WHISUL_MAX_REQUESTS_PER_SECOND", "100000");
            env.put("WHISUL_JOB_MAX_WAIT", "10m");
            env.putAll(topics.environment());
            env.put("BRIDGE_CONSUMER_GROUP", prefix);
            env.put("BRIDGE_SHUTDOWN_TIMEOUT", "20s");
            env.put("WHISUL_REQUEST_TIMEOUT", "5s");
            env.put("BRIDGE_LEDGER_REMEMBERED_REQUESTS", "200000");
            double k = o.timeScale();
            Duration interval = fixedInterval != null ? fixedInterval : scaled(5000, k);
            env.put("WHISUL_POLL_INITIAL_DELAY", ms(fixedInterval != null ? fixedInterval : scaled(5000, k)));
            env.put("WHISUL_POLL_INTERVAL", ms(interval));
            env.put("WHISUL_POLL_LAG_TARGET", ms(scaled(8000, k)));
            if (schedule.equals("fixed")) {
                env.put("WHISUL_POLL_MAX_INTERVAL", ms(interval));
                env.put("WHISUL_POLL_BACKOFF_FACTOR", "1");
                env.put("WHISUL_POLL_JITTER", "0");
            } else {
                env.put("WHISUL_POLL_MAX_INTERVAL", ms(scaled(10000, k)));
            }
            env.put("WHISUL_POLL_SCHEDULE", schedule);
            env.putAll(extra);
            return BenchProcess.bridge(prefix, o.workDir().resolve("logs"), xmx, env);
        }

        BenchProcess startNaive(long pollMs) throws Exception {
            return startNaive(pollMs, emulator.baseUrl());
        }

        BenchProcess startNaive(long pollMs, String baseUrl) throws Exception {
            naiveStats = o.workDir().resolve("logs").resolve(prefix + ".stats");
            return BenchProcess.naive(
                    prefix,
                    o.workDir().resolve("logs"),
                    "512m",
                    List.of(
                            broker.bootstrapServers(),
                            topics.prompts(),
                            topics.songs(),
                            topics.failures(),
                            prefix,
                            baseUrl,
                            emulator.apiKey(),
                            String.valueOf(pollMs),
                            "200",
                            naiveStats.toString()));
        }

        String requestId(long i) {
            return prefix + "-" + i;
        }

        String prompt(String requestId) {
            return "bench " + requestId + " calm piano";
        }

        private KafkaProducer<String, String> producer() {
            if (producer == null) {
                producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers(),
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                        StringSerializer.class.getName(),
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                        StringSerializer.class.getName(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5));
            }
            return producer;
        }

        void publish(int count) {
            KafkaProducer<String, String> p = producer();
            for (int i = 0; i < count; i++) {
                String id = requestId(published.getAndIncrement());
                p.send(new ProducerRecord<>(
                        topics.prompts(), id, "{\"request_id\":\"" + id + "\",\"prompt\":\"" + prompt(id) + "\"}"));
            }
            p.flush();
        }

        /**
         * Warms the bridge up: two prompts of the tenant {@code warmup} on each partition of the prompt topic, and
         * waits for their outcomes. A bridge that has just become ready is still replaying its ledger and opening its
         * partitions for several seconds (the first "B alone" run measured 6 s of it); afterwards no warm-up job is
         * left polling.
         */
        void warmUp(BenchProcess bridge) throws Exception {
            KafkaProducer<String, String> p = producer();
            int partitions = p.partitionsFor(topics.prompts()).size();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 2 * partitions; i++) {
                String id = prefix + "-warmup-" + i;
                ids.add(id);
                p.send(new ProducerRecord<>(
                        topics.prompts(),
                        i % partitions,
                        id,
                        "{\"request_id\":\"" + id + "\",\"prompt\":\"" + prompt(id) + "\",\"tenant\":\"warmup\"}"));
            }
            p.flush();
            long giveUp = System.currentTimeMillis() + 90_000;
            while (!outcomes.keySet().containsAll(ids)
                    && System.currentTimeMillis() < giveUp
                    && bridge.process.isAlive()) {
                Thread.sleep(100);
            }
            log(name + ": warm-up " + ids.stream().filter(outcomes::containsKey).count() + "/" + ids.size()
                    + " outcomes");
        }

        /** Publishes {@code count} prompts of {@code tenant} at once, noting when each was sent. */
        List<String> publishAs(String tenant, int count, Map<String, Long> sentAt) {
            KafkaProducer<String, String> p = producer();
            List<String> ids = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String id = prefix + "-" + tenant + "-" + i;
                published.incrementAndGet();
                ids.add(id);
                sentAt.put(id, System.currentTimeMillis());
                p.send(new ProducerRecord<>(
                        topics.prompts(),
                        id,
                        "{\"request_id\":\"" + id + "\",\"prompt\":\"" + prompt(id) + "\",\"tenant\":\"" + tenant
                                + "\"}"));
            }
            p.flush();
            return ids;
        }

        /**
         * One fairness run, on a warmed-up bridge ({@link #warmUp}): A publishes {@code flood} prompts (none: B
         * alone), then, {@link #FAIR_LEAD} later and once A's first submit has reached Whisul, B publishes
         * {@code quiet}. Ends when every B prompt has been submitted and, with a flood, {@code window} after A's
         * publish (at most 5 minutes after B's).
         */
        FairRun fairRun(
                BenchProcess p,
                RecordingProxy proxy,
                String run,
                String settings,
                int flood,
                int quiet,
                Duration window)
                throws Exception {
            collect();
            sample(p);
            warmUp(p);
            emulator.resetStats();
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            long start = System.currentTimeMillis();
            List<String> a = publishAs("a", flood, sentAt);
            if (flood > 0) {
                log(name + ": A published " + flood + " prompts in " + (System.currentTimeMillis() - start) + " ms");
                long due = start + FAIR_LEAD.toMillis();
                long giveUp = start + 60_000;
                while ((System.currentTimeMillis() < due || a.stream().noneMatch(id -> submitted(proxy, id) > 0))
                        && System.currentTimeMillis() < giveUp
                        && p.process.isAlive()) {
                    Thread.sleep(20);
                }
            }
            long quietFrom = System.currentTimeMillis();
            List<String> b = publishAs("b", quiet, sentAt);
            log(name + ": B published " + quiet + " prompts"
                    + (flood > 0 ? " " + (quietFrom - start) + " ms after A's" : ""));
            long giveUp = quietFrom + Duration.ofMinutes(5).toMillis();
            long windowEnd = window == null ? 0 : start + window.toMillis();
            long lastReport = System.currentTimeMillis();
            while (p.process.isAlive()
                    && System.currentTimeMillis() < giveUp
                    && (b.stream().filter(id -> submitted(proxy, id) > 0).count() < quiet
                            || System.currentTimeMillis() < windowEnd)) {
                Thread.sleep(100);
                if (System.currentTimeMillis() - lastReport > 15000) {
                    lastReport = System.currentTimeMillis();
                    log(name + ": B "
                            + b.stream().filter(id -> submitted(proxy, id) > 0).count() + "/" + quiet
                            + " submitted; A "
                            + a.stream().filter(id -> submitted(proxy, id) > 0).count()
                            + " submitted, " + outcomes.size() + " outcomes");
                }
            }
            long end = System.currentTimeMillis();
            EmulatorStats st = emulator.stats();
            stop.set(true);
            if (producer != null) {
                producer.close();
            }
            if (!p.process.isAlive()) {
                log(name + ": the bridge died:\n" + p.tail());
            }
            long[] waits = new long[quiet];
            int n = 0;
            long lastQuiet = quietFrom;
            for (String id : b) {
                long at = submitted(proxy, id);
                if (at > 0) {
                    waits[n++] = at - sentAt.get(id);
                    lastQuiet = Math.max(lastQuiet, at);
                }
            }
            Arrays.sort(waits, 0, n);
            long windowFrom = quietFrom;
            long windowTo = lastQuiet;
            long floodSubmits = 0;
            long floodInWindow = 0;
            for (String id : a) {
                long at = submitted(proxy, id);
                if (at > 0 && at <= end) {
                    floodSubmits++;
                    if (at >= windowFrom && at <= windowTo) {
                        floodInWindow++;
                    }
                }
            }
            long floodSongs = a.stream()
                    .map(outcomes::get)
                    .filter(x -> x != null && !x.failed() && x.receivedAt() <= end)
                    .count();
            long polls = 0;
            for (RecordingProxy.JobTrace t : proxy.jobs.values()) {
                long[] times = t.polls;
                int count = Math.min(t.pollCount, times.length);
                for (int i = 0; i < count; i++) {
                    if (times[i] >= windowFrom && times[i] <= windowTo) {
                        polls++;
                    }
                }
            }
            double seconds = (end - start) / 1000.0;
            double requests = st.requests(EmulatorStats.GENERATE) + st.requests(EmulatorStats.JOB);
            return new FairRun(
                    run,
                    settings,
                    flood,
                    quiet,
                    n,
                    pct(waits, n, 50) / 1000.0,
                    pct(waits, n, 95) / 1000.0,
                    n == 0 ? Double.NaN : waits[n - 1] / 1000.0,
                    seconds,
                    floodSubmits,
                    floodSongs,
                    requests / seconds,
                    (windowTo - windowFrom) / 1000.0,
                    polls,
                    floodInWindow);
        }

        /** When the prompt of request {@code id} was first accepted by Whisul (at the proxy), or 0. */
        long submitted(RecordingProxy proxy, String id) {
            Long at = proxy.submittedAt.get(prompt(id));
            return at == null ? 0 : at;
        }

        Thread collect() {
            Thread t = new Thread(
                    () -> {
                        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                            List<TopicPartition> parts = new ArrayList<>();
                            for (String topic : topics.outcomes()) {
                                for (int i = 0; i < 3; i++) {
                                    parts.add(new TopicPartition(topic, i));
                                }
                            }
                            c.assign(parts);
                            c.seekToBeginning(parts);
                            while (!stop.get()) {
                                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                                    long now = System.currentTimeMillis();
                                    boolean failed = r.topic().equals(topics.failures());
                                    JsonNode v = JSON.readTree(r.value());
                                    long fin = failed
                                            ? 0
                                            : finishedAt(v.path("finished_at").asText(""));
                                    outcomes.putIfAbsent(
                                            r.key(),
                                            new Outcome(v.path("job_id").asText(null), now, fin, failed));
                                }
                            }
                        } catch (Exception e) {
                            e.printStackTrace();
                        }
                    },
                    "collect-" + name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        Thread sample(BenchProcess p) {
            Thread t = new Thread(
                    () -> {
                        p.cpuCores();
                        while (!stop.get()) {
                            try {
                                Thread.sleep(1000);
                                double heap;
                                double live = Double.NaN;
                                double inFlight;
                                if (naiveStats != null) {
                                    String[] f = Files.exists(naiveStats)
                                            ? Files.readString(naiveStats)
                                                    .trim()
                                                    .split(" ")
                                            : new String[0];
                                    heap = f.length > 1 ? Double.parseDouble(f[0]) : Double.NaN;
                                    inFlight = f.length > 1 ? Double.parseDouble(f[1]) : Double.NaN;
                                } else {
                                    String m = p.metrics();
                                    heap = BenchProcess.sum(m, "jvm_memory_used_bytes{area=\"heap\"");
                                    live = BenchProcess.sum(m, "jvm_gc_live_data_size_bytes");
                                    inFlight = BenchProcess.sum(m, "whisul_bridge_jobs_in_flight");
                                }
                                samples.add(new Sample(
                                        System.currentTimeMillis(), inFlight, heap, live, p.rssBytes(), p.cpuCores()));
                            } catch (InterruptedException e) {
                                return;
                            } catch (Exception e) {
                                // a missed sample
                            }
                        }
                    },
                    "sample-" + name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** Publishes {@code prompts} at once and waits for every outcome (or the time limit). */
        Row drive(BenchProcess p, int prompts, Duration limit, String scenario, String system, RecordingProxy proxy)
                throws Exception {
            collect();
            sample(p);
            long start = System.currentTimeMillis();
            publish(prompts);
            log(name + ": published " + prompts + " prompts in " + (System.currentTimeMillis() - start) + " ms");
            long giveUp = start + limit.toMillis();
            long lastReport = 0;
            while (outcomes.size() < prompts && System.currentTimeMillis() < giveUp && p.process.isAlive()) {
                Thread.sleep(200);
                if (System.currentTimeMillis() - lastReport > 15000) {
                    lastReport = System.currentTimeMillis();
                    log(name + ": " + outcomes.size() + "/" + prompts + " outcomes");
                }
            }
            long lastOutcome = outcomes.values().stream()
                    .mapToLong(Outcome::receivedAt)
                    .max()
                    .orElse(System.currentTimeMillis());
            stop.set(true);
            if (producer != null) {
                producer.close();
            }
            if (outcomes.size() < prompts) {
                log(name + ": only " + outcomes.size() + "/" + prompts + " outcomes within " + limit
                        + (p.process.isAlive() ? "" : " (process died:\n" + p.tail() + ")"));
            }
            return row(scenario, system, prompts, start, lastOutcome, proxy);
        }

        /**
         * Publishes prompts at a constant rate for {@code submitFor}; measures only the prompts published from
         * {@code warmup} on, and waits (up to {@code drainMax} after the last prompt) for their outcomes.
         */
        Row driveSteady(
                BenchProcess p,
                double ratePerSecond,
                Duration submitFor,
                Duration warmup,
                Duration drainMax,
                String scenario,
                String system,
                RecordingProxy proxy)
                throws Exception {
            collect();
            sample(p);
            long start = System.currentTimeMillis();
            long total = Math.round(submitFor.toMillis() / 1000.0 * ratePerSecond);
            long firstMeasured = Math.round(warmup.toMillis() / 1000.0 * ratePerSecond);
            long lastReport = 0;
            for (long i = 0; i < total; i++) {
                long due = start + Math.round(i * 1000.0 / ratePerSecond);
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                publish(1);
                if (System.currentTimeMillis() - lastReport > 30000) {
                    lastReport = System.currentTimeMillis();
                    log(name + ": published " + (i + 1) + "/" + total + ", " + outcomes.size() + " outcomes"
                            + (i >= firstMeasured ? " (measuring)" : " (warm-up)"));
                }
                if (!p.process.isAlive()) {
                    break;
                }
            }
            long measuredFrom = start + Math.round(firstMeasured * 1000.0 / ratePerSecond);
            log(name + ": published " + published.get() + " prompts at " + ratePerSecond + "/s; measuring the "
                    + (total - firstMeasured) + " from #" + firstMeasured);
            java.util.function.Predicate<String> measured = id -> indexOf(id) >= firstMeasured;
            long giveUp = System.currentTimeMillis() + drainMax.toMillis();
            while (System.currentTimeMillis() < giveUp
                    && p.process.isAlive()
                    && outcomes.keySet().stream().filter(measured).count() < total - firstMeasured) {
                Thread.sleep(500);
            }
            long lastOutcome = outcomes.entrySet().stream()
                    .filter(e -> measured.test(e.getKey()))
                    .mapToLong(e -> e.getValue().receivedAt())
                    .max()
                    .orElse(System.currentTimeMillis());
            stop.set(true);
            if (producer != null) {
                producer.close();
            }
            return row(scenario, system, total - firstMeasured, measuredFrom, lastOutcome, proxy, measured);
        }

        long indexOf(String requestId) {
            return Long.parseLong(requestId.substring(requestId.lastIndexOf('-') + 1));
        }

        Row row(String scenario, String system, long prompts, long start, long end, RecordingProxy proxy) {
            return row(scenario, system, prompts, start, end, proxy, id -> true);
        }

        Row row(
                String scenario,
                String system,
                long prompts,
                long start,
                long end,
                RecordingProxy proxy,
                java.util.function.Predicate<String> counted) {
            EmulatorStats stats = emulator.stats();
            List<Outcome> done = outcomes.entrySet().stream()
                    .filter(e -> counted.test(e.getKey()))
                    .map(Map.Entry::getValue)
                    .filter(x -> !x.failed())
                    .toList();
            long failed = outcomes.entrySet().stream()
                    .filter(e -> counted.test(e.getKey()) && e.getValue().failed())
                    .count();
            double seconds = (end - start) / 1000.0;
            double reqs = 0;
            long[] lags = new long[done.size()];
            int n = 0;
            for (Map.Entry<String, Outcome> e : outcomes.entrySet()) {
                Outcome out = e.getValue();
                if (out.failed() || !counted.test(e.getKey())) {
                    continue;
                }
                reqs += stats.submissions(prompt(e.getKey())) + stats.polls(out.jobId());
                OptionalLong exact = out.jobId() == null ? OptionalLong.empty() : stats.finishedAt(out.jobId());
                lags[n++] = out.receivedAt() - (exact.isPresent() ? exact.getAsLong() : finishEstimate(out, proxy));
            }
            Arrays.sort(lags, 0, n);
            List<Sample> s = List.copyOf(samples);
            return new Row(
                    scenario,
                    system,
                    prompts,
                    done.size(),
                    failed,
                    seconds,
                    done.size() / seconds,
                    done.size() / seconds * 60,
                    n == 0 ? Double.NaN : reqs / n,
                    pct(lags, n, 50) / 1000.0,
                    pct(lags, n, 95) / 1000.0,
                    pct(lags, n, 99) / 1000.0,
                    s.stream()
                            .mapToDouble(Sample::inFlight)
                            .filter(x -> !Double.isNaN(x))
                            .max()
                            .orElse(Double.NaN),
                    s.stream()
                                    .mapToDouble(Sample::heapBytes)
                                    .filter(x -> !Double.isNaN(x))
                                    .max()
                                    .orElse(Double.NaN)
                            / (1 << 20),
                    s.stream()
                                    .mapToDouble(Sample::liveHeapBytes)
                                    .filter(x -> !Double.isNaN(x) && x > 0)
                                    .max()
                                    .orElse(Double.NaN)
                            / (1 << 20),
                    s.stream().mapToDouble(Sample::rssBytes).max().orElse(Double.NaN) / (1 << 20),
                    s.stream().mapToDouble(Sample::cpuCores).average().orElse(Double.NaN),
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    0,
                    0);
        }

        /** Closed loop: keep {@code step} prompts outstanding, hold each step and measure it. */
        void capacityRun(BenchProcess p, RecordingProxy proxy) throws Exception {
            collect();
            sample(p);
            long initialDelay = o.capacityPoll().toMillis();
            long interval = o.capacityPoll().toMillis();
            AtomicLong target = new AtomicLong(0);
            Thread feeder = new Thread(
                    () -> {
                        while (!stop.get()) {
                            long need = target.get() - (published.get() - outcomes.size());
                            if (need > 0) {
                                // a ramp at a bounded rate, as load grows in life; a step published at once would poll
                                // in
                                // one wave every interval for as long as it is held
                                publish((int) Math.min(need, Math.max(1, o.capacityFeedPerSecond() / 4)));
                            }
                            try {
                                Thread.sleep(250);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "feed-" + name);
            feeder.setDaemon(true);
            feeder.start();
            try {
                for (int step : o.capacitySteps()) {
                    target.set(step);
                    long rampStart = System.currentTimeMillis();
                    long rampGiveUp = rampStart + o.capacityRampMax().toMillis();
                    while (System.currentTimeMillis() < rampGiveUp && p.process.isAlive()) {
                        Sample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
                        if (last != null && last.inFlight() >= 0.98 * step) {
                            break;
                        }
                        Thread.sleep(250);
                    }
                    if (!p.process.isAlive()) {
                        log("capacity: the bridge died:\n" + p.tail());
                        break;
                    }
                    long from = System.currentTimeMillis();
                    log(String.format(
                            Locale.ROOT,
                            "capacity: step %d reached %s in %.1f s; holding %s",
                            step,
                            samples.isEmpty()
                                    ? "?"
                                    : String.valueOf(
                                            samples.get(samples.size() - 1).inFlight()),
                            (from - rampStart) / 1000.0,
                            o.capacityHold()));
                    long completedBefore = outcomes.size();
                    Thread.sleep(o.capacityHold().toMillis());
                    long to = System.currentTimeMillis();
                    long completedIn = outcomes.size() - completedBefore;
                    List<Sample> window = samples.stream()
                            .filter(x -> x.at() >= from && x.at() <= to)
                            .toList();
                    capacitySamples.addAll(samples.stream()
                            .filter(x -> x.at() >= rampStart && x.at() <= to)
                            .toList());
                    long[] late = slippage(proxy, from, to, initialDelay, interval);
                    int n = late.length;
                    long over = Arrays.stream(late).filter(x -> x > 1000).count();
                    double seconds = (to - from) / 1000.0;
                    rows.add(new Row(
                            "capacity " + step,
                            "bridge, fixed " + interval / 1000.0 + " s poll",
                            published.get(),
                            completedIn,
                            0,
                            seconds,
                            completedIn / seconds,
                            completedIn / seconds * 60,
                            Double.NaN,
                            Double.NaN,
                            Double.NaN,
                            Double.NaN,
                            window.stream()
                                    .mapToDouble(Sample::inFlight)
                                    .filter(x -> !Double.isNaN(x))
                                    .max()
                                    .orElse(Double.NaN),
                            window.stream()
                                            .mapToDouble(Sample::heapBytes)
                                            .filter(x -> !Double.isNaN(x))
                                            .max()
                                            .orElse(Double.NaN)
                                    / (1 << 20),
                            window.stream()
                                            .mapToDouble(Sample::liveHeapBytes)
                                            .filter(x -> !Double.isNaN(x) && x > 0)
                                            .max()
                                            .orElse(Double.NaN)
                                    / (1 << 20),
                            window.stream().mapToDouble(Sample::rssBytes).max().orElse(Double.NaN) / (1 << 20),
                            window.stream()
                                    .mapToDouble(Sample::cpuCores)
                                    .average()
                                    .orElse(Double.NaN),
                            pct(late, n, 50) / 1000.0,
                            pct(late, n, 99) / 1000.0,
                            n == 0 ? Double.NaN : late[n - 1] / 1000.0,
                            over,
                            n));
                    log("capacity: " + rows.get(rows.size() - 1));
                }
            } finally {
                stop.set(true);
                feeder.join(5000);
                if (producer != null) {
                    producer.close();
                }
            }
        }

        /** Lateness of every poll (of a job accepted through the proxy) made in [from, to]: actual − due. */
        long[] slippage(RecordingProxy proxy, long from, long to, long initialDelay, long interval) {
            long[] late = new long[1024];
            int n = 0;
            for (RecordingProxy.JobTrace t : proxy.jobs.values()) {
                if (t.acceptedAt == 0) {
                    continue;
                }
                long[] polls = t.polls;
                long[] answered = t.answered;
                int count = Math.min(t.pollCount, Math.min(polls.length, answered.length));
                // the bridge counts the wait from the answer it got, so Whisul's own response time is not lateness
                long previous = t.acceptedAnsweredAt;
                long wait = initialDelay;
                for (int i = 0; i < count; i++) {
                    long at = polls[i];
                    // previous == 0: the proxy's answer time is not visible to this thread yet; skip, not "late"
                    if (at >= from && at <= to && previous > 0) {
                        if (n == late.length) {
                            late = Arrays.copyOf(late, n * 2);
                        }
                        late[n++] = at - (previous + wait);
                    }
                    previous = answered[i];
                    wait = interval;
                }
            }
            late = Arrays.copyOf(late, n);
            Arrays.sort(late);
            return late;
        }
    }

    /**
     * Only where the emulator no longer holds a job's exact finish time (its stats cap): an estimate from outside. Whisul's {@code finished_at} has whole seconds, so the
     * finish lies in [F, F+1 s); through the recording proxy it also lies after the last poll answered "running" and
     * no later than the first poll answered "completed". The estimate is the middle of what is left.
     */
    private static long finishEstimate(Scenario.Outcome out, RecordingProxy proxy) {
        long lo = out.finishedAtSecondMs();
        long hi = lo + 999;
        if (proxy != null && out.jobId() != null) {
            RecordingProxy.JobTrace t = proxy.jobs.get(out.jobId());
            if (t != null) {
                long nlo = Math.max(lo, t.lastRunningPoll);
                long nhi = t.firstDonePoll > 0 ? Math.min(hi, t.firstDonePoll) : hi;
                if (nlo <= nhi) {
                    lo = nlo;
                    hi = nhi;
                }
            }
        }
        return (lo + hi) / 2;
    }

    private static long finishedAt(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        String iso = text.contains("T") ? text : text.replace(' ', 'T') + "Z";
        return Instant.parse(iso).toEpochMilli();
    }

    // ---------------------------------------------------------------- output

    private void drawPlots() throws Exception {
        if (!capacitySamples.isEmpty()) {
            XYChart heap = new XYChartBuilder()
                    .width(800)
                    .height(500)
                    .title("Bridge heap and RSS against jobs in flight")
                    .xAxisTitle("jobs in flight")
                    .yAxisTitle("MiB")
                    .build();
            heap.getStyler()
                    .setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                    .setMarkerSize(4);
            heap.addSeries(
                    "heap used",
                    capacitySamples.stream().mapToDouble(Sample::inFlight).toArray(),
                    capacitySamples.stream()
                            .mapToDouble(x -> x.heapBytes() / (1 << 20))
                            .toArray());
            List<Sample> withLive = capacitySamples.stream()
                    .filter(x -> !Double.isNaN(x.liveHeapBytes()) && x.liveHeapBytes() > 0)
                    .toList();
            if (!withLive.isEmpty()) {
                heap.addSeries(
                        "live heap after GC",
                        withLive.stream().mapToDouble(Sample::inFlight).toArray(),
                        withLive.stream()
                                .mapToDouble(x -> x.liveHeapBytes() / (1 << 20))
                                .toArray());
            }
            heap.addSeries(
                    "RSS",
                    capacitySamples.stream().mapToDouble(Sample::inFlight).toArray(),
                    capacitySamples.stream()
                            .mapToDouble(x -> x.rssBytes() / (1 << 20))
                            .toArray());
            save(heap, "capacity-heap");
            XYChart cpu = new XYChartBuilder()
                    .width(800)
                    .height(500)
                    .title("Bridge CPU against jobs in flight")
                    .xAxisTitle("jobs in flight")
                    .yAxisTitle("cores (1 s samples; the machine has 2)")
                    .build();
            cpu.getStyler()
                    .setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                    .setMarkerSize(4);
            cpu.addSeries(
                    "CPU",
                    capacitySamples.stream().mapToDouble(Sample::inFlight).toArray(),
                    capacitySamples.stream().mapToDouble(Sample::cpuCores).toArray());
            save(cpu, "capacity-cpu");
        }
        List<Row> pe = rows.stream()
                .filter(r -> r.scenario().equals("polling efficiency") && !Double.isNaN(r.requestsPerJob()))
                .toList();
        if (!pe.isEmpty()) {
            XYChart lag = new XYChartBuilder()
                    .width(800)
                    .height(500)
                    .title("Detection lag against Whisul requests per job")
                    .xAxisTitle("requests per job (submit + polls)")
                    .yAxisTitle("detection lag, s")
                    .build();
            lag.getStyler()
                    .setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                    .setMarkerSize(10);
            for (Row r : pe) {
                lag.addSeries(r.system() + " p95", new double[] {r.requestsPerJob()}, new double[] {r.lagP95()});
                lag.addSeries(r.system() + " p50", new double[] {r.requestsPerJob()}, new double[] {r.lagP50()});
            }
            save(lag, "polling-lag-vs-requests");
        }
        List<Row> ps = rows.stream()
                .filter(r -> r.scenario().equals("polling steady") && !Double.isNaN(r.requestsPerJob()))
                .toList();
        if (!ps.isEmpty()) {
            XYChart lag = new XYChartBuilder()
                    .width(800)
                    .height(500)
                    .title("Steady stream: lag against requests per job (post-warm-up jobs)")
                    .xAxisTitle("requests per job (submit + polls)")
                    .yAxisTitle("detection lag, s")
                    .build();
            lag.getStyler()
                    .setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                    .setMarkerSize(10);
            for (Row r : ps) {
                lag.addSeries(r.system() + " p95", new double[] {r.requestsPerJob()}, new double[] {r.lagP95()});
                lag.addSeries(r.system() + " p50", new double[] {r.requestsPerJob()}, new double[] {r.lagP50()});
            }
            save(lag, "polling-steady-lag-vs-requests");
        }
    }

    private void save(XYChart chart, String name) throws Exception {
        Path file = o.plotDir().resolve(name + ".png");
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        plots.put(name, file);
    }

    private String markdown(double totalSeconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "Run `%s` (scenarios %s), %.0f s in all. Emulator ceiling (submit + poll, 64 connections): %s.%n%n",
                o.label(),
                String.join(", ", o.scenarios()),
                totalSeconds,
                Double.isNaN(ceiling)
                        ? "not measured (no throughput scenario)"
                        : String.format(Locale.ROOT, "%.0f jobs/s", ceiling)));
        sb.append(
                "| scenario | system | prompts | completed | failed | s | completed/s | completed/min | requests/job | lag p50 s | lag p95 s | lag p99 s | peak in flight | heap max MiB | live heap after GC max MiB | RSS max MiB | CPU cores (mean) | poll late p50 s | p99 s | max s | polls >1 s late |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %d | %d | %.1f | %.1f | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.scenario(),
                    r.system(),
                    r.prompts(),
                    r.completed(),
                    r.failed(),
                    r.seconds(),
                    r.promptsPerSecond(),
                    r.completedPerMinute(),
                    f2(r.requestsPerJob()),
                    f2(r.lagP50()),
                    f2(r.lagP95()),
                    f2(r.lagP99()),
                    f0(r.peakInFlight()),
                    f0(r.heapMaxMiB()),
                    f0(r.liveHeapMaxMiB()),
                    f0(r.rssMaxMiB()),
                    f2(r.cpuMeanCores()),
                    f2(r.slipP50()),
                    f2(r.slipP99()),
                    f2(r.slipMax()),
                    r.pollsMeasured() == 0 ? "–" : r.pollsOver1sLate() + " of " + r.pollsMeasured()));
        }
        if (!simulated.isEmpty()) {
            sb.append("\nPolling, simulated (issue 15; optimum at each row's own p95 lag):\n\n")
                    .append(PollingSimulation.markdown(simulated));
        }
        if (!fairRuns.isEmpty()) {
            sb.append("\nFairness between tenants (issue 13; B's publish→submit = from B's prompt published to its"
                            + " accepted submit arriving at Whisul):\n\n")
                    .append(fairnessMarkdown(fairRuns));
        }
        if (!takeovers.isEmpty()) {
            sb.append("\nLedger takeover (one partition, bridge at -Xmx512m):\n\n")
                    .append(LedgerTakeover.markdown(takeovers));
        }
        archiveFigures.forEach(line -> sb.append("\n").append(line).append("\n"));
        return sb.toString();
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f0(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.0f", v);
    }

    // ---------------------------------------------------------------- helpers

    private static double pct(long[] sorted, int n, double p) {
        if (n == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(n - 1, (int) Math.ceil(p / 100.0 * n) - 1 < 0 ? 0 : (int) Math.ceil(p / 100.0 * n) - 1)];
    }

    private static Duration scaled(long millis, double k) {
        return Duration.ofMillis(Math.max(1, Math.round(millis * k)));
    }

    private static String ms(Duration d) {
        return d.toMillis() + "ms";
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static void log(String line) {
        System.out.println("[bench " + Instant.now() + "] " + line);
    }
}
