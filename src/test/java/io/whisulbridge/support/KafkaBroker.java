package io.whisulbridge.support;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.jboss.logging.Logger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

/**
 * A real Kafka broker for tests: a Testcontainers {@code KafkaContainer} where a Docker engine already has its images,
 * else a single-node KRaft broker inside the test JVM; {@link BrokerChoice} decides, {@code -Dkafka.broker} overrides.
 */
public final class KafkaBroker implements AutoCloseable {

    /** The broker of the clients on the class path: one Kafka version, the Quarkus BOM's. */
    static final String KAFKA_IMAGE = "apache/kafka:" + AppInfoParser.getVersion();
    /** The reaper image Testcontainers starts beside every container (its RyukContainer; BrokerChoiceTest pins it). */
    static final String RYUK_IMAGE = "testcontainers/ryuk:0.14.0";

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
            if (choice().broker() == BrokerChoice.Broker.TESTCONTAINERS) {
                KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
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
        return List.of(
                (inJvm != null ? BrokerChoice.Broker.IN_JVM : BrokerChoice.Broker.TESTCONTAINERS).description(),
                bootstrapServers);
    }

    /**
     * One decision per test JVM, made when the first broker starts and logged in one line. Quarkus loads the test
     * classes anew for every test application it starts, so a static field would decide and log once per application
     * (seven times in the suite); the JVM's system properties are the one place they all share. Their lock (a
     * Properties is a Hashtable) is shared too, so two applications never decide at once.
     */
    private static BrokerChoice choice() {
        Properties jvm = System.getProperties();
        synchronized (jvm) {
            BrokerChoice known = BrokerChoice.fromRecord(jvm.getProperty(BrokerChoice.DECIDED_PROPERTY));
            if (known != null) {
                return known;
            }
            // Testcontainers reads this variable itself (ResourceReaper) and then needs no Ryuk image.
            boolean ryukDisabled = Boolean.parseBoolean(System.getenv("TESTCONTAINERS_RYUK_DISABLED"));
            BrokerChoice decided = BrokerChoice.decide(
                    BrokerChoice.Switch.fromProperties(jvm),
                    BrokerChoice.requiredImages(KAFKA_IMAGE, RYUK_IMAGE, ryukDisabled),
                    new LocalDocker());
            Logger.getLogger(KafkaBroker.class).info(decided.logLine());
            jvm.setProperty(BrokerChoice.DECIDED_PROPERTY, decided.asRecord());
            return decided;
        }
    }

    /**
     * The Docker engine Testcontainers would use, found the way Testcontainers finds it but asked through a client of
     * its own: {@code DockerClientFactory.client()}, and {@code isDockerAvailable()} which calls it, start Ryuk
     * first, and that is exactly the pull this check must not start.
     */
    private static final class LocalDocker implements BrokerChoice.Docker {

        @Override
        public boolean engineAvailable() {
            try {
                // Picks the first configuration under which an engine answers a ping; throws if none does.
                DockerClientFactory.instance().getTransportConfig();
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        public boolean hasImage(String image) {
            // The name Testcontainers would run, after any configured substitution (e.g. a registry mirror prefix).
            String name = ImageNameSubstitutor.instance()
                    .apply(DockerImageName.parse(image))
                    .asCanonicalNameString();
            try (DockerClient client = DockerClientProviderStrategy.getClientForConfig(
                    DockerClientFactory.instance().getTransportConfig())) {
                client.inspectImageCmd(name).exec();
                return true;
            } catch (NotFoundException e) {
                return false;
            } catch (Exception e) {
                Logger.getLogger(KafkaBroker.class)
                        .debugf(e, "could not inspect the image %s: counted as absent", name);
                return false;
            }
        }
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
