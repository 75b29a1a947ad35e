package io.whisulbridge.support;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft broker in a process of its own (from the Kafka jars on the test classpath), so that a
 * test can stop and restart it on the same port and data directory.
 */
public final class BrokerProcess implements AutoCloseable {

    private final Path dir;
    private final String maxHeap;
    private final int port;
    private final int controllerPort;
    /** 1 for the node that is also the controller; 2, 3, ... for brokers that {@link #addBroker} joins to it. */
    private final int nodeId;
    private final String clusterId;
    private Process process;

    private BrokerProcess(Path dir, String maxHeap, int port, int controllerPort, int nodeId, String clusterId) {
        this.dir = dir;
        this.maxHeap = maxHeap;
        this.port = port;
        this.controllerPort = controllerPort;
        this.nodeId = nodeId;
        this.clusterId = clusterId;
    }

    public static BrokerProcess start(Path dir) throws Exception {
        return start(dir, "384m");
    }

    /** @param maxHeap the broker JVM's -Xmx, e.g. {@code 768m} for a benchmark's load */
    public static BrokerProcess start(Path dir, String maxHeap) throws Exception {
        BrokerProcess broker = new BrokerProcess(dir, maxHeap, freePort(), freePort(), 1, Uuid.randomUuid().toString());
        broker.format();
        broker.launch();
        return broker;
    }

    /**
     * A broker-only node of this cluster (this node stays the only controller), for tests that stop the leader of
     * some partitions while the rest of the cluster stays up.
     */
    public BrokerProcess addBroker(Path brokerDir, int brokerNodeId) throws Exception {
        BrokerProcess broker = new BrokerProcess(brokerDir, maxHeap, freePort(), controllerPort, brokerNodeId, clusterId);
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
            admin.listConsumerGroupOffsets("whisul-bridge-internal-topics").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
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
            admin.createTopics(partitionsByTopic.entrySet().stream().map(topic -> {
                Map<Integer, List<Integer>> assignment = new HashMap<>();
                for (int p = 0; p < topic.getValue(); p++) {
                    assignment.put(p, List.of(node));
                }
                return new NewTopic(topic.getKey(), assignment);
            }).toList()).all().get(30, TimeUnit.SECONDS);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    private void format() throws Exception {
        Files.createDirectories(dir);
        boolean controller = nodeId == 1;
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "process.roles=" + (controller ? "broker,controller" : "broker"),
                "node.id=" + nodeId,
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                controller ? "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
                        : "listeners=PLAINTEXT://127.0.0.1:" + port,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                ""));
        Process formatting = java("kafka.tools.StorageTool", "format", "-t", clusterId,
                "-c", dir.resolve("server.properties").toString())
                .redirectOutput(dir.resolve("format.log").toFile()).redirectErrorStream(true).start();
        if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker storage failed: " + Files.readString(dir.resolve("format.log")));
        }
    }

    public void launch() throws Exception {
        process = java("kafka.Kafka", dir.resolve("server.properties").toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                .redirectErrorStream(true).start();
        awaitReady(Duration.ofSeconds(60));
    }

    /** An orderly broker stop; {@link #launch()} brings it back on the same port and data, as in a rolling restart. */
    public void stop() throws InterruptedException {
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public void createTopics(Map<String, Integer> partitionsByTopic) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(partitionsByTopic.entrySet().stream()
                    .map(topic -> new NewTopic(topic.getKey(), topic.getValue(), (short) 1)).toList())
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private void awaitReady(Duration timeout) throws Exception {
        Instant giveUp = Instant.now().plus(timeout);
        while (Instant.now().isBefore(giveUp)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited: see " + dir.resolve("broker.log"));
            }
            try (Admin admin = admin()) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception notYet) {
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("the broker was not ready within " + timeout);
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(javaBinary(), "-Xmx" + maxHeap,
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
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
