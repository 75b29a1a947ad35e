package io.whisulbridge.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.whisulbridge.support.BrokerChoice.Broker;
import io.whisulbridge.support.BrokerChoice.Mode;
import io.whisulbridge.support.BrokerChoice.Switch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BrokerChoiceTest {

    private static final List<String> IMAGES = List.of("apache/kafka:4.1.2", "testcontainers/ryuk:0.14.0");

    /** A Docker engine with the given images that records what it was asked. */
    private static final class FakeDocker implements BrokerChoice.Docker {
        final boolean engine;
        final Set<String> images;
        final List<String> asked = new ArrayList<>();

        FakeDocker(boolean engine, Set<String> images) {
            this.engine = engine;
            this.images = images;
        }

        @Override
        public boolean engineAvailable() {
            asked.add("engine");
            return engine;
        }

        @Override
        public boolean hasImage(String image) {
            asked.add(image);
            return images.contains(image);
        }
    }

    private static Switch switchOf(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return Switch.fromProperties(p);
    }

    @Test
    void withoutAnEngineTheInJvmBrokerAndNoImageIsAskedFor() {
        FakeDocker docker = new FakeDocker(false, Set.of());

        BrokerChoice choice = BrokerChoice.decide(switchOf(), IMAGES, docker);

        assertThat(choice.broker()).isEqualTo(Broker.IN_JVM);
        assertThat(choice.reason()).isEqualTo("auto (the default): no Docker engine answers");
        assertThat(docker.asked).containsExactly("engine");
    }

    @Test
    void anEngineWithoutTheImagesIsNotEnough() {
        BrokerChoice choice = BrokerChoice.decide(switchOf(), IMAGES, new FakeDocker(true, Set.of()));

        assertThat(choice.broker()).isEqualTo(Broker.IN_JVM);
        assertThat(choice.reason())
                .contains("lacks apache/kafka:4.1.2, testcontainers/ryuk:0.14.0 locally")
                .contains("-Dkafka.broker=testcontainers");
    }

    @Test
    void kafkasImageWithoutRyuksIsNotEnoughEither() {
        BrokerChoice choice =
                BrokerChoice.decide(switchOf(), IMAGES, new FakeDocker(true, Set.of("apache/kafka:4.1.2")));

        assertThat(choice.broker()).isEqualTo(Broker.IN_JVM);
        assertThat(choice.reason())
                .contains("lacks testcontainers/ryuk:0.14.0 locally")
                .doesNotContain("lacks apache");
    }

    @Test
    void anEngineWithEveryImageGetsTestcontainers() {
        FakeDocker docker = new FakeDocker(true, Set.copyOf(IMAGES));

        BrokerChoice choice = BrokerChoice.decide(switchOf("kafka.broker", "auto"), IMAGES, docker);

        assertThat(choice.broker()).isEqualTo(Broker.TESTCONTAINERS);
        assertThat(choice.reason())
                .isEqualTo(
                        "-Dkafka.broker=auto: a Docker engine answers and has apache/kafka:4.1.2, testcontainers/ryuk:0.14.0 locally");
        assertThat(docker.asked).containsExactly("engine", "apache/kafka:4.1.2", "testcontainers/ryuk:0.14.0");
    }

    @Test
    void withRyukTurnedOffOnlyKafkasImageIsNeeded() {
        assertThat(BrokerChoice.requiredImages("k:1", "r:2", true)).containsExactly("k:1");
        assertThat(BrokerChoice.requiredImages("k:1", "r:2", false)).containsExactly("k:1", "r:2");

        BrokerChoice choice = BrokerChoice.decide(
                switchOf(), BrokerChoice.requiredImages("k:1", "r:2", true), new FakeDocker(true, Set.of("k:1")));
        assertThat(choice.broker()).isEqualTo(Broker.TESTCONTAINERS);
    }

    @Test
    void aForcedBrokerAsksDockerNothing() {
        FakeDocker docker = new FakeDocker(true, Set.of());

        BrokerChoice inJvm = BrokerChoice.decide(switchOf("kafka.broker", "in-jvm"), IMAGES, docker);
        BrokerChoice containers = BrokerChoice.decide(switchOf("kafka.broker", "Testcontainers"), IMAGES, docker);

        assertThat(inJvm).isEqualTo(new BrokerChoice(Broker.IN_JVM, "forced by -Dkafka.broker=in-jvm"));
        assertThat(containers.broker()).isEqualTo(Broker.TESTCONTAINERS);
        assertThat(containers.reason())
                .startsWith("forced by -Dkafka.broker=testcontainers")
                .contains("pulled");
        assertThat(docker.asked).isEmpty();
    }

    @Test
    void theOlderSwitchStillForcesTheInJvmBroker() {
        assertThat(switchOf("kafka.in-jvm", "true")).isEqualTo(new Switch(Mode.IN_JVM, "-Dkafka.in-jvm=true"));
        assertThat(switchOf("kafka.in-jvm", "false").mode()).isEqualTo(Mode.AUTO);
        assertThat(switchOf("kafka.in-jvm", "true", "kafka.broker", "in-jvm").mode())
                .isEqualTo(Mode.IN_JVM);
        assertThat(BrokerChoice.decide(
                        switchOf("kafka.in-jvm", "true"), IMAGES, new FakeDocker(true, Set.copyOf(IMAGES))))
                .isEqualTo(new BrokerChoice(Broker.IN_JVM, "forced by -Dkafka.in-jvm=true"));
    }

    @Test
    void aSwitchItCannotReadFailsInsteadOfChoosing() {
        assertThatThrownBy(() -> switchOf("kafka.broker", "docker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("-Dkafka.broker=docker is not a broker choice: use auto, in-jvm or testcontainers");
        assertThatThrownBy(() -> switchOf("kafka.broker", "testcontainers", "kafka.in-jvm", "true"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contradicts -Dkafka.in-jvm=true");
        assertThat(switchOf("kafka.broker", " ").mode()).isEqualTo(Mode.AUTO);
    }

    @Test
    void theLogLineSaysWhichBrokerWhyAndHowToChoose() {
        String line = new BrokerChoice(Broker.IN_JVM, "auto (the default): no Docker engine answers").logLine();

        assertThat(line)
                .isEqualTo("Kafka broker for the tests: in-JVM KRaft broker; auto (the default): no Docker "
                        + "engine answers (choose with -Dkafka.broker=auto|in-jvm|testcontainers)");
    }

    @Test
    void aChoiceReadsBackFromItsRecordAndNothingElseDoes() {
        BrokerChoice choice = new BrokerChoice(Broker.IN_JVM, "auto (the default): no Docker engine answers");

        assertThat(BrokerChoice.fromRecord(choice.asRecord())).isEqualTo(choice);
        assertThat(BrokerChoice.fromRecord(null)).isNull();
        assertThat(BrokerChoice.fromRecord("in-jvm")).isNull();
        assertThat(BrokerChoice.fromRecord("DOCKER because")).isNull();
    }

    /**
     * Testcontainers does not expose the Ryuk image it runs (its configuration's getter has no tag), so KafkaBroker
     * names it; this reads the name from Testcontainers' own class file, so an upgrade that changes it fails here.
     */
    @Test
    void theRyukImageIsTheOneTestcontainersStarts() throws IOException {
        String classFile;
        try (InputStream in = org.testcontainers.DockerClientFactory.class.getResourceAsStream(
                "/org/testcontainers/utility/RyukContainer.class")) {
            assertThat(in).as("Testcontainers' RyukContainer class").isNotNull();
            classFile = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        Matcher m = Pattern.compile("testcontainers/ryuk:[0-9][0-9A-Za-z._-]*").matcher(classFile);
        assertThat(m.find()).as("an image name in RyukContainer.class").isTrue();

        assertThat(KafkaBroker.RYUK_IMAGE).isEqualTo(m.group());
    }
}
