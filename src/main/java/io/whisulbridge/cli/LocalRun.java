package io.whisulbridge.cli;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * {@code ./run-local}: the bridge on a laptop with nothing but a JDK. Starts a KRaft broker from Kafka's jars (see
 * {@link BrokerProcess}), the Whisul emulator, an S3 server for the archive ({@link S3MockProcess}) and the bridge,
 * creates the topics, prints where everything is, follows the bridge's log, and on Ctrl-C or SIGTERM stops what it
 * started in order: the bridge, the S3 server, the emulator, the broker.
 * See docs/local-run.md.
 *
 * <pre>
 * LocalRun [up] [--only=kafka[,emulator]]   start in the foreground
 * LocalRun try [TryPrompt options] a prompt  publish a prompt, follow its job, print and check the outcome
 *                                            (--webhook: also receive and verify its signed webhook on 127.0.0.1)
 * LocalRun clean                             delete the data folder
 * </pre>
 */
public final class LocalRun {

    static final String READY_LINE = " Ctrl-C stops everything this run started.";
    private static final Duration KAFKA_STOP = Duration.ofSeconds(40);
    private static final Duration EMULATOR_STOP = Duration.ofSeconds(15);
    private static final Duration BRIDGE_STOP = Duration.ofSeconds(40);
    private static final Duration S3_STOP = Duration.ofSeconds(15);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A process this run started, in start order; stopped in reverse. */
    private record Child(String name, ProcessHandle process, Path log, Duration stopLimit) {}

    private final LocalRunSettings settings;
    private final List<Child> children = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private volatile int exitCode;
    private boolean stopped;

    private LocalRun(LocalRunSettings settings) {
        this.settings = settings;
    }

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    static int run(String[] argv) {
        String command = argv.length == 0 || argv[0].startsWith("--") ? "up" : argv[0];
        String[] rest = argv.length == 0 || argv[0].startsWith("--") ? argv : Arrays.copyOfRange(argv, 1, argv.length);
        LocalRunSettings settings;
        try {
            settings = LocalRunSettings.from(
                    System.getenv(),
                    Path.of(System.getProperty("run-local.root", "."))
                            .toAbsolutePath()
                            .normalize());
        } catch (IllegalArgumentException e) {
            err(e.getMessage());
            return CliSupport.EXIT_SETUP;
        }
        return switch (command) {
            case "up", "start" -> new LocalRun(settings).up(rest);
            case "try" -> tryPrompt(settings, rest);
            case "clean" -> clean(settings);
            case "help", "-h", "--help" -> usage();
            default -> {
                err("unknown command '" + command + "'");
                usage();
                yield CliSupport.EXIT_SETUP;
            }
        };
    }

    // ---- up --------------------------------------------------------------------------------------------------------

    private int up(String[] argv) {
        Set<String> only;
        try {
            CliSupport.Args args = CliSupport.Args.parse(argv, List.of("only"), List.of());
            only = args.options.containsKey("only")
                    ? Set.of(args.get("only", "").split(","))
                    : Set.of("kafka", "emulator", "s3", "bridge");
            if (!Set.of("kafka", "emulator", "s3", "bridge").containsAll(only) || !args.positional.isEmpty()) {
                throw new IllegalArgumentException("--only takes kafka, emulator, s3 and/or bridge, comma-separated");
            }
        } catch (IllegalArgumentException e) {
            err(e.getMessage());
            return CliSupport.EXIT_SETUP;
        }
        long started = System.nanoTime();
        boolean kafka = settings.ownsKafka() && only.contains("kafka");
        boolean emulator = settings.ownsEmulator() && only.contains("emulator");
        boolean bridge = only.contains("bridge");
        boolean s3 = settings.ownsArchive() && only.contains("s3");
        try {
            Files.createDirectories(settings.logs());
            Optional<ProcessHandle> other = runningInstance(settings);
            if (other.isPresent()) {
                err("another ./run-local (pid " + other.get().pid() + ") is already using "
                        + settings.shown(settings.runDir()) + ": stop it first");
                return 1;
            }
            reapLeftovers();
            List<String> busy = busyPorts(kafka, emulator, s3, bridge);
            if (!busy.isEmpty()) {
                err("cannot start:\n  " + String.join("\n  ", busy) + "\n  Stop whatever listens there (is another "
                        + "./run-local running?), or pick other ports with the variables named.");
                return 1;
            }
            Path kafkaLibs = kafka ? resolveKafkaJars() : null;
            Runtime.getRuntime().addShutdownHook(new Thread(this::onSignal, "run-local-stop"));
            Files.writeString(
                    settings.runDir().resolve("run-local.pid"),
                    ProcessHandle.current().pid() + "\n");
            try (Stream<Path> old = Files.list(settings.logs())) {
                for (Path log : old.filter(p -> p.toString().endsWith(".log")).toList()) {
                    Files.delete(log);
                }
            }
            if (emulator) {
                startEmulator(); // boots while the broker does
            }
            S3MockProcess bucket = s3 ? startS3() : null; // so does the S3 server
            startKafkaAndTopics(kafka, kafkaLibs);
            if (bucket != null) {
                try {
                    bucket.awaitReady();
                } catch (IllegalStateException e) {
                    throw new StartFailed("the S3 server: " + e.getMessage(), bucket.log());
                }
            }
            if (emulator) {
                awaitReady(
                        "the Whisul emulator",
                        Duration.ofSeconds(60),
                        child("the Whisul emulator"),
                        () -> get(settings.emulatorPort(), "/_emulator/stats")
                                .filter(r -> r.statusCode() == 200)
                                .isPresent());
            }
            if (bridge) {
                startBridge(emulator || settings.ownsEmulator());
                awaitReady("the bridge", Duration.ofSeconds(120), child("the bridge"), this::bridgeReady);
            }
            Files.writeString(
                    settings.runDir().resolve("run.env"),
                    "KAFKA_BOOTSTRAP_SERVERS=" + settings.bootstrap()
                            + "\nBRIDGE_STATUS_URL=http://127.0.0.1:" + settings.managementPort() + "\n"
                            + (s3 ? "ARCHIVE_S3_ENDPOINT=" + settings.s3Endpoint() + "\n" : ""));
            printBanner(Duration.ofNanos(System.nanoTime() - started), kafka, emulator, s3, bridge);
        } catch (StartFailed e) {
            return fail(e.getMessage(), e.log);
        } catch (Exception e) {
            return fail("could not start: " + e, null);
        }
        if (bridge) {
            follow(settings.logs().resolve("bridge.log"));
        }
        return watch();
    }

    private void startEmulator() throws IOException {
        say("starting the Whisul emulator on http://127.0.0.1:" + settings.emulatorPort());
        Map<String, String> env = Map.of(
                "WHISUL_EMULATOR_PORT", String.valueOf(settings.emulatorPort()), "WHISUL_API_KEY", settings.apiKey());
        start(
                "the Whisul emulator",
                EMULATOR_STOP,
                settings.logs().resolve("emulator.log"),
                env,
                List.of("-Xmx256m", "-cp", appClasspath(), "io.whisulbridge.emulator.EmulatorMain"));
    }

    /**
     * Adobe S3Mock, the archive bucket of a local run (see {@link S3MockProcess}); started without waiting, so that
     * it boots while the broker does. Its objects stay in the data folder after the run, to be looked at; the next
     * run starts with an empty bucket unless RUN_LOCAL_KEEP_DATA=1.
     */
    private S3MockProcess startS3() throws IOException {
        Path dir = settings.runDir().resolve("s3");
        if (!settings.keepData()) {
            CliSupport.deleteRecursively(dir);
        }
        say("starting the S3 server (S3Mock) on " + settings.s3Endpoint() + ", bucket "
                + LocalRunSettings.ARCHIVE_BUCKET);
        Path log = settings.logs().resolve("s3mock.log");
        S3MockProcess s3 = S3MockProcess.begin(
                settings.root().resolve(S3MockProcess.DEFAULT_JAR),
                dir,
                log,
                LocalRunSettings.ARCHIVE_BUCKET,
                settings.s3Port(),
                "256m",
                List.of(settings.ownerFlag()));
        children.add(new Child("the S3 server", s3.process(), log, S3_STOP));
        return s3;
    }

    private void startKafkaAndTopics(boolean ownKafka, Path kafkaLibs) throws Exception {
        if (ownKafka) {
            Path dir = settings.runDir().resolve("kafka");
            if (settings.keepData()) {
                say("keeping the Kafka data in " + settings.shown(dir.resolve("data")) + " (RUN_LOCAL_KEEP_DATA=1)");
            }
            say("starting Kafka (KRaft) on " + settings.bootstrap());
            Path log = settings.logs().resolve("kafka.log");
            BrokerProcess broker;
            try {
                broker = BrokerProcess.start(BrokerProcess.Settings.defaults(dir)
                        .classpath(kafkaLibs.resolve("*").toString())
                        .ports(settings.kafkaPort(), settings.controllerPort())
                        .maxHeap("512m")
                        .jvmFlags(List.of(settings.ownerFlag(), "-Xms256m", "-Dkafka.logs.dir=" + settings.logs()))
                        .log(log)
                        .keepData(settings.keepData()));
            } catch (IllegalStateException e) {
                throw new StartFailed("Kafka did not come up: " + e.getMessage(), log);
            }
            // first in the list, so stopped last: the bridge and the emulator may still talk to it
            children.add(0, new Child("Kafka", broker.process().toHandle(), log, KAFKA_STOP));
            if (TopicSetup.run(
                            settings.bootstrap(),
                            Duration.ofSeconds(60),
                            Optional.of((short) 1),
                            false,
                            settings.topics())
                    != 0) {
                throw new StartFailed("the topics could not be created", null);
            }
        } else if (settings.ownsKafka()) {
            return; // --only without kafka: nothing of Kafka's to do
        } else {
            say("using Kafka at " + settings.bootstrap() + " (KAFKA_BOOTSTRAP_SERVERS)");
            if (TopicSetup.run(settings.bootstrap(), Duration.ofSeconds(30), Optional.empty(), true, settings.topics())
                    != 0) {
                throw new StartFailed("Kafka at " + settings.bootstrap() + " did not answer", null);
            }
        }
    }

    private void startBridge(boolean againstEmulator) throws IOException {
        say("starting the bridge (HTTP " + settings.httpPort() + ", management " + settings.managementPort() + ")");
        Map<String, String> env = new LinkedHashMap<>();
        if (againstEmulator) {
            // Demo jobs take seconds: poll often. Against a real Whisul the bridge's own defaults apply. The
            // emulator answers in milliseconds; a short timeout keeps Ctrl-C quick (the shutdown bound must exceed
            // it by 11 s).
            putUnlessSet(env, "WHISUL_POLL_INITIAL_DELAY", "2s");
            putUnlessSet(env, "WHISUL_POLL_INTERVAL", "2s");
            putUnlessSet(env, "WHISUL_POLL_MAX_INTERVAL", "5s");
            putUnlessSet(env, "WHISUL_REQUEST_TIMEOUT", "4s");
        }
        putUnlessSet(env, "BRIDGE_SHUTDOWN_TIMEOUT", "25s");
        if (settings.ownsArchive()) {
            // the local bucket: static credentials and an explicit region, so the AWS SDK never probes the cloud
            // metadata address (169.254.169.254) from a laptop
            env.put("ARCHIVE_S3_BUCKET", LocalRunSettings.ARCHIVE_BUCKET);
            env.put("ARCHIVE_S3_ENDPOINT", settings.s3Endpoint());
            env.put("ARCHIVE_S3_REGION", "us-east-1");
            env.put("ARCHIVE_S3_PATH_STYLE", "true");
            env.put("AWS_ACCESS_KEY_ID", "run-local");
            env.put("AWS_SECRET_ACCESS_KEY", "run-local");
            env.put("AWS_EC2_METADATA_DISABLED", "true");
        }
        env.put("KAFKA_BOOTSTRAP_SERVERS", settings.bootstrap());
        env.put("WHISUL_BASE_URL", settings.whisulUrl());
        env.put("WHISUL_API_KEY", settings.apiKey());
        env.put("BRIDGE_HTTP_PORT", String.valueOf(settings.httpPort()));
        env.put("BRIDGE_MANAGEMENT_PORT", String.valueOf(settings.managementPort()));
        // webhooks on, for `try --webhook`: its receiver listens on 127.0.0.1 over plain http, which production refuses
        env.put("WEBHOOK_SECRET", settings.webhookSecret());
        putUnlessSet(env, "WEBHOOK_ALLOWED_HOSTS", "127.0.0.1");
        putUnlessSet(env, "WEBHOOK_ALLOW_HTTP", "true");
        putUnlessSet(env, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true");
        start(
                "the bridge",
                BRIDGE_STOP,
                settings.logs().resolve("bridge.log"),
                env,
                List.of("-Xmx512m", "-jar", appDir().resolve("quarkus-run.jar").toString()));
    }

    private void start(String name, Duration stopLimit, Path log, Map<String, String> env, List<String> javaArgs)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(BrokerProcess.javaBinary(), settings.ownerFlag()));
        command.addAll(javaArgs);
        ProcessBuilder builder = new ProcessBuilder(ChildProcesses.ignoringInterrupt(command))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        children.add(new Child(name, builder.start().toHandle(), log, stopLimit));
    }

    private boolean bridgeReady() {
        return get(settings.managementPort(), "/q/health/ready")
                .filter(r -> r.statusCode() == 200 && r.body().contains("\"UP\""))
                .isPresent();
    }

    private void awaitReady(String what, Duration limit, Child child, BooleanSupplier ready) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!ready.getAsBoolean()) {
            if (!child.process().isAlive()) {
                throw new StartFailed(what + ": the process exited before it was ready", child.log());
            }
            if (System.nanoTime() > deadline) {
                throw new StartFailed(what + ": not ready after " + limit.toSeconds() + " s", child.log());
            }
            Thread.sleep(500);
        }
    }

    /** Watches the children: if one dies, stops the others and says which. */
    private int watch() {
        while (!stopping) {
            for (Child child : children) {
                if (!child.process().isAlive() && !stopping) {
                    return fail(child.name() + " exited unexpectedly", child.log());
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        return exitCode;
    }

    private void printBanner(Duration took, boolean kafka, boolean emulator, boolean s3, boolean bridge) {
        String bootstrap = settings.bootstrap();
        Child kafkaChild = kafka ? child("Kafka") : null;
        String kafkaLine = kafkaChild != null
                ? bootstrap + "   (KRaft broker started here, pid "
                        + kafkaChild.process().pid() + "; data "
                        + settings.shown(settings.runDir().resolve("kafka/data")) + ")"
                : bootstrap
                        + (settings.ownsKafka()
                                ? "   (not started: --only)"
                                : "   (yours, from KAFKA_BOOTSTRAP_SERVERS)");
        String whisulLine = emulator
                ? settings.whisulUrl() + "   (emulator, pid "
                        + child("the Whisul emulator").process().pid() + "; key " + settings.apiKey()
                        + "; stats http://127.0.0.1:" + settings.emulatorPort() + "/_emulator/stats)"
                : settings.whisulUrl()
                        + (settings.ownsEmulator() ? "   (not started: --only)" : "   (yours, from WHISUL_BASE_URL)");
        String logs = children.stream()
                .map(c -> settings.shown(c.log()).replaceFirst(".*/", ""))
                .collect(Collectors.joining(", "));
        var t = settings.topics();
        List<String> lines = new ArrayList<>(List.of(
                "",
                "=".repeat(114),
                " whisul-bridge local run is ready (in " + took.toSeconds() + " s)",
                "   Kafka        " + kafkaLine,
                "   topics       " + t.prompts() + " (in), " + t.songs() + ", " + t.failures() + " (out), "
                        + t.deadLetter() + " (dead letters), " + t.ledger() + " (job ledger)",
                "   Whisul       " + whisulLine,
                "   archive      "
                        + (s3
                                ? "s3://" + LocalRunSettings.ARCHIVE_BUCKET + " at " + settings.s3Endpoint()
                                        + "   (S3Mock, pid "
                                        + child("the S3 server").process().pid() + "; objects in "
                                        + settings.shown(settings.runDir().resolve("s3"))
                                        + "; its HTTP port listens on every "
                                        + "interface)"
                                : settings.ownsArchive()
                                        ? "(not started: --only)"
                                        : "s3://" + settings.externalBucket() + "   (yours, from ARCHIVE_S3_*)")));
        if (bridge) {
            int mgmt = settings.managementPort();
            lines.addAll(List.of(
                    "   bridge       pid " + child("the bridge").process().pid() + "; HTTP http://localhost:"
                            + settings.httpPort(),
                    "                ready  http://localhost:" + mgmt + "/q/health/ready   metrics http://localhost:"
                            + mgmt + "/q/metrics",
                    "                jobs   http://localhost:" + mgmt + "/jobs?state=running   http://localhost:" + mgmt
                            + "/jobs/<request_id>"));
        }
        lines.addAll(List.of(
                "   data, logs   " + settings.shown(settings.runDir()) + "/   (logs in "
                        + settings.shown(settings.logs()) + "/: " + logs + ")",
                "",
                " Try it from another terminal:",
                "   " + (bootstrap.equals("127.0.0.1:9092") ? "" : "KAFKA_BOOTSTRAP_SERVERS=" + bootstrap + " ")
                        + "./run-local try \"melancholic piano in the rain\"",
                " or with kcat:",
                "   echo '{\"request_id\":\"demo-1\",\"prompt\":\"melancholic piano in the rain\"}' | kcat -b "
                        + bootstrap + " -t " + t.prompts() + " -P -k demo-1",
                "   kcat -b " + bootstrap + " -C -t " + t.songs() + " -o beginning -f '%k %s\\n'",
                "",
                READY_LINE + (bridge ? " The bridge's log follows." : ""),
                "=".repeat(114)));
        lines.forEach(System.out::println);
        System.out.flush();
    }

    /** Copies what the bridge appends to its log to this terminal, as {@code tail -f} would. */
    private void follow(Path log) {
        Thread follower = new Thread(
                () -> {
                    byte[] buffer = new byte[8192];
                    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
                        file.seek(file.length());
                        while (!stopping) {
                            int read = file.read(buffer);
                            if (read > 0) {
                                System.out.write(buffer, 0, read);
                                System.out.flush();
                            } else {
                                Thread.sleep(200);
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        // the run is ending
                    }
                },
                "run-local-follow");
        follower.setDaemon(true);
        follower.start();
    }

    // ---- stopping --------------------------------------------------------------------------------------------------

    /** Ctrl-C or SIGTERM (or the end of a failed start): stop in order; exit 0 when the developer asked for it. */
    private void onSignal() {
        boolean asked = !stopping;
        if (asked) {
            stopping = true;
            System.out.println();
            say("Stopping ...");
            stopAll();
            say(
                    settings.ownsKafka() && !children.isEmpty()
                            ? "Stopped: everything this run started is gone. Logs and data stay in "
                                    + settings.shown(settings.runDir())
                                    + "/ (the next run starts with an empty broker unless "
                                    + "RUN_LOCAL_KEEP_DATA=1)."
                            : "Stopped: everything this run started is gone. Logs stay in "
                                    + settings.shown(settings.logs()) + "/.");
        }
        System.out.flush();
        // A JVM that ends on a signal reports 128 + the signal; a stop the developer asked for is a success.
        Runtime.getRuntime().halt(exitCode);
    }

    private synchronized void stopAll() {
        if (stopped) {
            return;
        }
        stopped = true;
        List<Child> reversed = new ArrayList<>(children);
        Collections.reverse(reversed);
        for (Child child : reversed) {
            if (child.process().isAlive()) {
                say("stopping " + child.name() + " (pid " + child.process().pid() + ")");
                if (ChildProcesses.stop(child.process(), child.stopLimit())) {
                    say(child.name() + " did not stop in time; killed it");
                }
            }
        }
        // whatever else is still ours (a Maven step, a broker still formatting)
        ProcessHandle.current().descendants().forEach(p -> ChildProcesses.stop(p, Duration.ofSeconds(5)));
        try {
            Files.deleteIfExists(settings.runDir().resolve("run-local.pid"));
            Files.deleteIfExists(settings.runDir().resolve("run.env"));
        } catch (IOException e) {
            // the next run overwrites them
        }
    }

    private int fail(String message, Path log) {
        err(message);
        if (log != null && Files.exists(log)) {
            System.err.println("----- last lines of " + settings.shown(log) + " -----");
            try (Stream<String> lines = Files.lines(log)) {
                List<String> all = lines.toList();
                all.subList(Math.max(0, all.size() - 25), all.size()).forEach(System.err::println);
            } catch (Exception unreadable) {
                System.err.println("(unreadable: " + unreadable + ")");
            }
            System.err.println("-----");
        }
        exitCode = 1;
        stopping = true;
        stopAll();
        return 1;
    }

    /** The pid of a run that is using this data folder now, if any. */
    private static Optional<ProcessHandle> runningInstance(LocalRunSettings settings) {
        try {
            long pid = Long.parseLong(
                    Files.readString(settings.runDir().resolve("run-local.pid")).trim());
            return ProcessHandle.of(pid)
                    .filter(p -> p.pid() != ProcessHandle.current().pid())
                    .filter(p -> p.info().commandLine().orElse("").contains(LocalRun.class.getName()));
        } catch (IOException | NumberFormatException noneOrStale) {
            return Optional.empty();
        }
    }

    /** A run killed with SIGKILL leaves its children behind; they carry this data folder's flag. */
    private void reapLeftovers() {
        List<ProcessHandle> left = ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().orElse("").contains(settings.ownerFlag() + " ")
                        || p.info().commandLine().orElse("").endsWith(settings.ownerFlag()))
                .toList();
        if (!left.isEmpty()) {
            say("stopping process(es) left over from a run that did not stop cleanly: "
                    + left.stream().map(p -> String.valueOf(p.pid())).collect(Collectors.joining(" ")));
            left.forEach(ProcessHandle::destroy);
            left.forEach(p -> ChildProcesses.stop(p, Duration.ofSeconds(15)));
        }
    }

    private List<String> busyPorts(boolean kafka, boolean emulator, boolean s3, boolean bridge) {
        Map<Integer, String> wanted = new LinkedHashMap<>();
        if (kafka) {
            wanted.put(settings.kafkaPort(), "Kafka, RUN_LOCAL_KAFKA_PORT");
            wanted.put(settings.controllerPort(), "Kafka controller, RUN_LOCAL_KAFKA_CONTROLLER_PORT");
        }
        if (emulator) {
            wanted.put(settings.emulatorPort(), "Whisul emulator, RUN_LOCAL_EMULATOR_PORT");
        }
        if (s3) {
            wanted.put(settings.s3Port(), "S3 server, RUN_LOCAL_S3_PORT");
        }
        if (bridge) {
            wanted.put(settings.httpPort(), "bridge HTTP, BRIDGE_HTTP_PORT");
            wanted.put(settings.managementPort(), "bridge management, BRIDGE_MANAGEMENT_PORT");
        }
        return wanted.entrySet().stream()
                .filter(port -> listening(port.getKey()))
                .map(port -> "port " + port.getKey() + " (" + port.getValue() + ") is already in use")
                .toList();
    }

    // ---- the broker's jars -----------------------------------------------------------------------------------------

    /**
     * Kafka's broker jars, resolved once from Maven Central into the data folder with the project's Maven wrapper
     * and the small POM in deploy/local that names them.
     */
    private Path resolveKafkaJars() throws Exception {
        Path pom = settings.root().resolve("deploy/local/kafka-broker-pom.xml");
        // the broker of the clients this build runs with: one Kafka version, the Quarkus BOM's
        String version = AppInfoParser.getVersion();
        Path libs = Optional.ofNullable(System.getenv("RUN_LOCAL_KAFKA_LIBS"))
                .map(settings.root()::resolve)
                .orElse(settings.runDir().resolve("kafka-libs"));
        Path marker = libs.resolve(".resolved-" + version);
        if (Files.exists(marker)) {
            return libs;
        }
        say("resolving the Kafka " + version + " broker jars from Maven Central into " + settings.shown(libs)
                + " (once)");
        Path tmp = libs.resolveSibling(
                libs.getFileName() + ".tmp." + ProcessHandle.current().pid());
        CliSupport.deleteRecursively(tmp);
        Process maven = new ProcessBuilder(
                        settings.root().resolve("mvnw").toString(),
                        "-B",
                        "-q",
                        "-f",
                        pom.toString(),
                        "dependency:copy-dependencies",
                        "-DoutputDirectory=" + tmp,
                        "-Dkafka.version=" + version)
                .inheritIO()
                .start();
        if (maven.waitFor() != 0) {
            CliSupport.deleteRecursively(tmp);
            throw new StartFailed("could not resolve the Kafka broker jars (see above)", null);
        }
        Files.createFile(tmp.resolve(marker.getFileName()));
        CliSupport.deleteRecursively(libs);
        Files.move(tmp, libs, StandardCopyOption.ATOMIC_MOVE);
        return libs;
    }

    // ---- try and clean ---------------------------------------------------------------------------------------------

    private static int tryPrompt(LocalRunSettings settings, String[] argv) {
        Map<String, String> written = runEnv(settings);
        String bootstrap = Optional.ofNullable(settings.externalBootstrap())
                .or(() -> Optional.ofNullable(written.get("KAFKA_BOOTSTRAP_SERVERS")))
                .orElse(settings.bootstrap());
        Matcher local = Pattern.compile("(?:127\\.0\\.0\\.1|localhost):(\\d+)").matcher(bootstrap);
        if (local.matches() && !listening(Integer.parseInt(local.group(1)))) {
            err("nothing listens on " + bootstrap + ": start ./run-local first (or set KAFKA_BOOTSTRAP_SERVERS)");
            return CliSupport.EXIT_SETUP;
        }
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap=" + bootstrap,
                "--save-dir=" + settings.shown(settings.runDir().resolve("try")),
                "--status-url="
                        + written.getOrDefault("BRIDGE_STATUS_URL", "http://127.0.0.1:" + settings.managementPort())));
        if (Arrays.asList(argv).contains("--webhook")) {
            args.add("--webhook-secret=" + settings.webhookSecret());
        }
        if (written.containsKey("ARCHIVE_S3_ENDPOINT")) {
            args.add("--archive-endpoint=" + written.get("ARCHIVE_S3_ENDPOINT")); // read the archived copies back
        }
        args.addAll(List.of(argv));
        if (Arrays.stream(argv).noneMatch(a -> !a.startsWith("--"))) {
            args.add("melancholic piano in the rain");
        }
        return TryPrompt.run(args.toArray(String[]::new));
    }

    private static Map<String, String> runEnv(LocalRunSettings settings) {
        try (Stream<String> lines = Files.lines(settings.runDir().resolve("run.env"))) {
            return lines.filter(l -> l.contains("="))
                    .collect(Collectors.toMap(
                            l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1), (a, b) -> b));
        } catch (IOException notRunning) {
            return Map.of();
        }
    }

    private static int clean(LocalRunSettings settings) {
        Optional<ProcessHandle> other = runningInstance(settings);
        if (other.isPresent()) {
            err("./run-local is running (pid " + other.get().pid() + "): stop it first");
            return 1;
        }
        try {
            CliSupport.deleteRecursively(settings.runDir());
        } catch (IOException e) {
            err("could not delete " + settings.shown(settings.runDir()) + ": " + e.getMessage());
            return 1;
        }
        say("deleted " + settings.shown(settings.runDir()));
        return 0;
    }

    private static int usage() {
        System.out.println(String.join(
                "\n",
                "Local run of whisul-bridge with nothing but a JDK 17: a single-node KRaft Kafka broker (jars from",
                "Maven Central), the Whisul emulator, an S3 server for the archive (S3Mock), and the bridge, wired",
                "together. See docs/local-run.md.",
                "",
                "  ./run-local                 start everything in the foreground; Ctrl-C stops everything it started",
                "  ./run-local --only=kafka[,emulator][,s3]   start only these (e.g. to run the bridge from an IDE or image)",
                "  ./run-local try \"a prompt\"  publish a prompt event, follow its job, print the outcome, check the files",
                "  ./run-local clean           delete the data folder (.run/)",
                "  ./run-local help",
                "",
                "Environment (all optional):",
                "  KAFKA_BOOTSTRAP_SERVERS          use this Kafka instead of starting one",
                "  WHISUL_BASE_URL, WHISUL_API_KEY  use this Whisul instead of the emulator (the emulator accepts WHISUL_API_KEY)",
                "  RUN_LOCAL_KAFKA_PORT             broker port (9092); the controller uses RUN_LOCAL_KAFKA_CONTROLLER_PORT (port+1)",
                "  RUN_LOCAL_EMULATOR_PORT          emulator port (8090)",
                "  RUN_LOCAL_S3_PORT                S3 server port (9190): the archive bucket 'songs' (S3Mock)",
                "  ARCHIVE_S3_BUCKET, ARCHIVE_S3_*  archive to this bucket instead of the local S3 server",
                "  BRIDGE_HTTP_PORT, BRIDGE_MANAGEMENT_PORT   bridge ports (8080, 9000)",
                "  RUN_LOCAL_DIR                    data folder (.run)",
                "  RUN_LOCAL_KEEP_DATA=1            keep Kafka's topics and offsets from the previous run (default: start empty)",
                "  RUN_LOCAL_SKIP_BUILD=1           never run the Maven build (default: build when sources are newer)",
                "  WHISUL_EMULATOR_*, WHISUL_POLL_*, BRIDGE_*   passed through to the emulator and the bridge"));
        return 0;
    }

    // ---- small helpers ---------------------------------------------------------------------------------------------

    private Child child(String name) {
        return children.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private Path appDir() {
        return settings.root().resolve("target/quarkus-app");
    }

    private String appClasspath() {
        return appDir().resolve("app/*") + java.io.File.pathSeparator + appDir().resolve("lib/main/*");
    }

    private static void putUnlessSet(Map<String, String> env, String name, String value) {
        String set = System.getenv(name);
        env.put(name, set == null || set.isBlank() ? value : set);
    }

    private static Optional<HttpResponse<String>> get(int port, String path) {
        try {
            return Optional.of(HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static void say(String message) {
        System.out.println("[run-local] " + message);
        System.out.flush();
    }

    private static void err(String message) {
        System.err.println("[run-local] ERROR: " + message);
    }

    /** A start step that failed, with the log that says why. */
    private static final class StartFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Path log;

        StartFailed(String message, Path log) {
            super(message);
            this.log = log;
        }
    }
}
