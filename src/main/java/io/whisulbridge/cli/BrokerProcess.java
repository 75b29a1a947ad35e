package io.whisulbridge.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real single-node KRaft broker in a process of its own, started from Kafka's own jars. The one way this project
 * starts a local broker: {@code ./run-local} (with the jars it resolves from Maven Central), the process-level tests
 * and the benchmark (with the jars on their class path) all use it. Being a process, it can be stopped, frozen and
 * restarted on the same port and data directory.
 */
public final class BrokerProcess implements AutoCloseable {

    /** Where and how to run a broker; {@link #defaults(Path)} suits a test. */
    public record Settings(
            Path dir,
            String classpath,
            int port,
            int controllerPort,
            String maxHeap,
            List<String> jvmFlags,
            Path log,
            boolean keepData) {

        /** Free ports, the Kafka jars of this JVM's class path, a fresh data directory, the log in {@code dir}. */
        public static Settings defaults(Path dir) throws IOException {
            return new Settings(
                    dir,
                    System.getProperty("java.class.path"),
                    freePort(),
                    freePort(),
                    "384m",
                    List.of(),
                    dir.resolve("broker.log"),
                    false);
        }

        public Settings classpath(String jars) {
            return new Settings(dir, jars, port, controllerPort, maxHeap, jvmFlags, log, keepData);
        }

        public Settings ports(int broker, int controller) {
            return new Settings(dir, classpath, broker, controller, maxHeap, jvmFlags, log, keepData);
        }

        public Settings maxHeap(String heap) {
            return new Settings(dir, classpath, port, controllerPort, heap, jvmFlags, log, keepData);
        }

        public Settings jvmFlags(List<String> flags) {
            return new Settings(dir, classpath, port, controllerPort, maxHeap, List.copyOf(flags), log, keepData);
        }

        public Settings log(Path file) {
            return new Settings(dir, classpath, port, controllerPort, maxHeap, jvmFlags, file, keepData);
        }

        /** Start on the data of a previous run when there is one (topics and offsets survive). */
        public Settings keepData(boolean keep) {
            return new Settings(dir, classpath, port, controllerPort, maxHeap, jvmFlags, log, keep);
        }
    }

    private final Settings settings;
    /** 1 for the node that is also the controller; 2, 3, ... for brokers that {@link #addBroker} joins to it. */
    private final int nodeId;

    private final String clusterId;
    private Process process;

    private BrokerProcess(Settings settings, int nodeId, String clusterId) {
        this.settings = settings;
        this.nodeId = nodeId;
        this.clusterId = clusterId;
    }

    public static BrokerProcess start(Path dir) throws Exception {
        return start(Settings.defaults(dir));
    }

    /** @param maxHeap the broker JVM's -Xmx, e.g. {@code 768m} for a benchmark's load */
    public static BrokerProcess start(Path dir, String maxHeap) throws Exception {
        return start(Settings.defaults(dir).maxHeap(maxHeap));
    }

    /** Formats the storage (unless kept from a previous run), starts the broker and waits until it answers. */
    public static BrokerProcess start(Settings settings) throws Exception {
        BrokerProcess broker = new BrokerProcess(settings, 1, Uuid.randomUuid().toString());
        broker.format();
        broker.launch();
        return broker;
    }

    /**
     * A broker-only node of this cluster (this node stays the only controller), for tests that stop the leader of
     * some partitions while the rest of the cluster stays up.
     */
    public BrokerProcess addBroker(Path brokerDir, int brokerNodeId) throws Exception {
        Settings node = new Settings(
                brokerDir,
                settings.classpath(),
                freePort(),
                settings.controllerPort(),
                settings.maxHeap(),
                settings.jvmFlags(),
                brokerDir.resolve("broker.log"),
                false);
        BrokerProcess broker = new BrokerProcess(node, brokerNodeId, clusterId);
        broker.format();
        broker.launch();
        return broker;
    }

    /**
     * Creates the group coordinator's and the transaction coordinator's internal topics now, on the nodes that exist
     * now: a test that later adds a node and stops it keeps its consumer groups and transactions working.
     */
    public void createInternalTopics() throws Exception {
        try (Admin admin = admin()) {
            admin.listConsumerGroupOffsets("whisul-bridge-internal-topics")
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "whisul-bridge-internal-topics",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            producer.initTransactions();
        }
    }

    /** Creates topics whose every partition has one replica, on the given node. */
    public void createTopicsOn(int node, Map<String, Integer> partitionsByTopic) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(partitionsByTopic.entrySet().stream()
                            .map(topic -> {
                                Map<Integer, List<Integer>> assignment = new HashMap<>();
                                for (int p = 0; p < topic.getValue(); p++) {
                                    assignment.put(p, List.of(node));
                                }
                                return new NewTopic(topic.getKey(), assignment);
                            })
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    public void createTopics(Map<String, Integer> partitionsByTopic) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(partitionsByTopic.entrySet().stream()
                            .map(topic -> new NewTopic(topic.getKey(), topic.getValue(), (short) 1))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + settings.port();
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return settings.log();
    }

    private void format() throws Exception {
        Path dir = settings.dir();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("server.properties"), serverProperties());
        Files.writeString(
                dir.resolve("log4j2.properties"),
                String.join(
                        "\n",
                        "status = warn",
                        "appender.out.type = Console",
                        "appender.out.name = OUT",
                        "appender.out.layout.type = PatternLayout",
                        "appender.out.layout.pattern = [%d] %p %m (%c)%n",
                        "rootLogger.level = info",
                        "rootLogger.appenderRef.out.ref = OUT",
                        "logger.statechange.name = state.change.logger",
                        "logger.statechange.level = warn",
                        "logger.request.name = kafka.request.logger",
                        "logger.request.level = warn",
                        ""));
        if (settings.keepData() && Files.exists(dir.resolve("data/meta.properties"))) {
            return;
        }
        CliSupport.deleteRecursively(dir.resolve("data"));
        Path formatLog = dir.resolve("format.log");
        Process formatting = java(
                        "kafka.tools.StorageTool",
                        "format",
                        "-t",
                        clusterId,
                        "-c",
                        dir.resolve("server.properties").toString())
                .redirectOutput(formatLog.toFile())
                .redirectErrorStream(true)
                .start();
        if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
            formatting.destroyForcibly();
            throw new IllegalStateException("formatting the broker storage failed: " + Files.readString(formatLog));
        }
    }

    /** KRaft combined mode on loopback, replication factors of one, no delay for the first group rebalance. */
    private String serverProperties() {
        boolean controller = nodeId == 1;
        String controllerAddress = "127.0.0.1:" + settings.controllerPort();
        return String.join(
                "\n",
                "process.roles=" + (controller ? "broker,controller" : "broker"),
                "node.id=" + nodeId,
                "controller.quorum.voters=1@" + controllerAddress,
                controller
                        ? "listeners=PLAINTEXT://" + bootstrapServers() + ",CONTROLLER://" + controllerAddress
                        : "listeners=PLAINTEXT://" + bootstrapServers(),
                "advertised.listeners=PLAINTEXT://" + bootstrapServers(),
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + settings.dir().resolve("data"),
                "num.partitions=3",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=3",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "");
    }

    public void launch() throws Exception {
        Files.createDirectories(settings.log().getParent());
        process = java(
                        "kafka.Kafka",
                        settings.dir().resolve("server.properties").toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.log().toFile()))
                .redirectErrorStream(true)
                .start();
        awaitReady(Duration.ofSeconds(90));
    }

    /** An orderly broker stop; {@link #launch()} brings it back on the same port and data, as in a rolling restart. */
    public void stop() throws InterruptedException {
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private void awaitReady(Duration timeout) throws Exception {
        Instant giveUp = Instant.now().plus(timeout);
        while (Instant.now().isBefore(giveUp)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited: see " + settings.log());
            }
            try (Admin admin = admin()) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception notYet) {
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("the broker was not ready within " + timeout + ": see " + settings.log());
    }

    private Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                10000));
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + settings.maxHeap()));
        command.addAll(settings.jvmFlags());
        command.add("-Dlog4j2.configurationFile=" + settings.dir().resolve("log4j2.properties"));
        command.addAll(List.of("-cp", settings.classpath(), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(ChildProcesses.ignoringInterrupt(command));
    }

    public static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
