package io.whisulbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRunSettingsTest {

    private static final Path ROOT = Path.of("/home/dev/whisul-bridge");

    @Test
    void anEmptyEnvironmentStartsEverythingOnTheDocumentedPorts() {
        LocalRunSettings settings = LocalRunSettings.from(Map.of(), ROOT);

        assertThat(settings.ownsKafka()).isTrue();
        assertThat(settings.ownsEmulator()).isTrue();
        assertThat(settings.bootstrap()).isEqualTo("127.0.0.1:9092");
        assertThat(settings.controllerPort()).isEqualTo(9093);
        assertThat(settings.whisulUrl()).isEqualTo("http://127.0.0.1:8090/api");
        assertThat(settings.runDir()).isEqualTo(ROOT.resolve(".run"));
        assertThat(settings.apiKey()).isEqualTo("local-dev-key");
    }

    @Test
    void theControllerPortFollowsAMovedBrokerPort() {
        assertThat(LocalRunSettings.from(Map.of("RUN_LOCAL_KAFKA_PORT", "29092"), ROOT)
                        .controllerPort())
                .isEqualTo(29093);
    }

    @Test
    void aBootstrapAddressMeansTheDevelopersOwnKafka() {
        LocalRunSettings settings = LocalRunSettings.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"), ROOT);

        assertThat(settings.ownsKafka()).isFalse();
        assertThat(settings.bootstrap()).isEqualTo("kafka:9092");
    }

    @Test
    void aWhisulAddressWithoutAKeyIsRefusedWithWhatToSet() {
        assertThatThrownBy(() -> LocalRunSettings.from(Map.of("WHISUL_BASE_URL", "https://api.example"), ROOT))
                .hasMessageContaining("WHISUL_API_KEY");
    }

    @Test
    void theEmulatorGetsTheFirstOfItsConfiguredKeys() {
        assertThat(LocalRunSettings.from(Map.of("WHISUL_EMULATOR_API_KEYS", "k1, k2"), ROOT)
                        .apiKey())
                .isEqualTo("k1");
    }

    @Test
    void aPortThatIsNotANumberIsRefusedByName() {
        assertThatThrownBy(() -> LocalRunSettings.from(Map.of("BRIDGE_MANAGEMENT_PORT", "90x0"), ROOT))
                .hasMessageContaining("BRIDGE_MANAGEMENT_PORT")
                .hasMessageContaining("90x0");
        assertThatThrownBy(() -> LocalRunSettings.from(Map.of("RUN_LOCAL_EMULATOR_PORT", "70000"), ROOT))
                .hasMessageContaining("RUN_LOCAL_EMULATOR_PORT");
    }

    @Test
    void everyChildCarriesTheDataFolderSoALeftoverCanBeFound() {
        LocalRunSettings settings = LocalRunSettings.from(Map.of("RUN_LOCAL_DIR", "target/x"), ROOT);

        assertThat(settings.ownerFlag()).isEqualTo("-Drun-local.dir=" + ROOT.resolve("target/x"));
        assertThat(settings.shown(settings.logs())).isEqualTo("target/x/logs");
    }
}
