package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One Kafka version: the kafka-clients that the Quarkus BOM brings (and with it the in-JVM and process brokers of the
 * tests, which run from the BOM's {@code kafka_2.13}). Code derives it with {@link AppInfoParser#getVersion()}; the
 * files below cannot, so they must name the same version. A skewed test kit does not boot
 * ({@code NoClassDefFoundError}), and a local or Compose broker of another version is not what the bridge was built
 * and tested against.
 */
class KafkaVersionTest {

    private static final Pattern PROPERTY = Pattern.compile("<kafka\\.version>\\s*([^<\\s]+)\\s*</kafka\\.version>");

    private static String bomKafka;

    @BeforeAll
    static void kafkaClientsOnTheClasspath() {
        bomKafka = AppInfoParser.getVersion();
        assertThat(bomKafka).as("kafka-clients version on the classpath").matches("\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void theTestKitInThePomIsTheBomsKafka() {
        // kafka-test-common-runtime is not in the BOM, so pom.xml names its version in kafka.version
        assertThat(property(DeployFiles.read(DeployFiles.root().resolve("pom.xml"))))
                .as("<kafka.version> in pom.xml")
                .isEqualTo(bomKafka);
    }

    @Test
    void theLocalBrokerPomDefaultsToTheBomsKafka() {
        // its caller may pass -Dkafka.version; a default, while there is one, must not be another version
        String pom = DeployFiles.read(DeployFiles.root().resolve("deploy/local/kafka-broker-pom.xml"));
        if (PROPERTY.matcher(pom).find()) {
            assertThat(property(pom))
                    .as("<kafka.version> in deploy/local/kafka-broker-pom.xml")
                    .isEqualTo(bomKafka);
        }
        assertThat(pom).contains("<version>${kafka.version}</version>");
    }

    @Test
    void composeRunsTheBomsKafka() {
        Map<String, Object> compose = ManifestModel.map(
                ManifestModel.readDocuments(DeployFiles.root().resolve("deploy/docker-compose.yml"))
                        .get(0),
                "compose");
        List<String> kafkaImages = ManifestModel.map(compose.get("services"), "services").values().stream()
                .map(service ->
                        String.valueOf(ManifestModel.map(service, "service").get("image")))
                .filter(image -> image.startsWith("apache/kafka:"))
                .toList();
        assertThat(kafkaImages)
                .as("apache/kafka images in deploy/docker-compose.yml")
                .isNotEmpty()
                .allSatisfy(image -> assertThat(image).isEqualTo("apache/kafka:" + bomKafka));
    }

    private static String property(String pom) {
        Matcher m = PROPERTY.matcher(pom);
        assertThat(m.find()).as("a <kafka.version> property").isTrue();
        return m.group(1);
    }
}
