package io.whisulbridge.support;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker for tests: a Testcontainers {@code KafkaContainer} where Docker works, else a single-node KRaft
 * broker inside the test JVM. {@code -Dkafka.in-jvm=true} forces the in-JVM broker.
 */
public final class KafkaBroker implements AutoCloseable {

    private final KafkaClusterTestKit inJvm;
    private final KafkaContainer container;
    private final String bootstrapServers;

    private KafkaBroker(KafkaClusterTestKit inJvm, KafkaContainer container, String bootstrapServers) {
        this.inJvm = inJvm;
        this.container = container;
        this.bootstrapServers = bootstrapServers;
    }

    public static KafkaBroker start() {
        try {
            if (!Boolean.getBoolean("kafka.in-jvm") && DockerClientFactory.instance().isDockerAvailable()) {
                KafkaContainer container = new KafkaContainer("apache/kafka:4.1.2");
                container.start();
                return new KafkaBroker(null, container, container.getBootstrapServers());
            }
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("offsets.topic.num.partitions", "3")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            return new KafkaBroker(kit, null, kit.bootstrapServers());
        } catch (Exception e) {
            throw new IllegalStateException("could not start a Kafka broker for the tests", e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public void createTopics(Map<String, Integer> partitionsByTopic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Collection<NewTopic> topics = partitionsByTopic.entrySet().stream()
                    .map(topic -> new NewTopic(topic.getKey(), topic.getValue(), (short) 1))
                    .toList();
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create topics " + partitionsByTopic.keySet(), e);
        }
    }

    public List<String> describe() {
        return List.of(inJvm != null ? "in-JVM KRaft broker" : "Testcontainers KafkaContainer", bootstrapServers);
    }

    @Override
    public void close() throws Exception {
        if (inJvm != null) {
            inJvm.close();
        }
        if (container != null) {
            container.stop();
        }
    }
}
