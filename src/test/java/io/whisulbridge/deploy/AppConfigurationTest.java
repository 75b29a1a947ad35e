package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The derivation the deployment checks rely on: what the application reads, and the README table parser. */
class AppConfigurationTest {

    private final AppConfiguration app = new AppConfiguration();

    @Test
    void derivesVariableNamesFromTheMappingAndThePlaceholders() {
        assertThat(app.knownEnvNames())
                .contains(
                        "WHISUL_BASE_URL",
                        "WHISUL_API_KEY",
                        "WHISUL_POLL_INTERVAL",
                        "BRIDGE_MAX_IN_FLIGHT",
                        "BRIDGE_CONSUMER_GROUP",
                        "BRIDGE_TOPICS_PROMPTS",
                        "BRIDGE_TOPICS_DEAD_LETTER",
                        "KAFKA_BOOTSTRAP_SERVERS",
                        "BRIDGE_HTTP_PORT",
                        "BRIDGE_MANAGEMENT_PORT",
                        "BRIDGE_SHUTDOWN_TIMEOUT")
                .allMatch(n -> n.matches("[A-Z][A-Z0-9_]*"));
        assertThat(app.effectiveEnv("BRIDGE_TOPICS_DEAD_LETTER", Map.of()))
                .as("@WithName + @WithDefault")
                .isEqualTo("song-prompts-dlq");
        assertThat(app.effectiveEnv("BRIDGE_TOPICS_PROMPTS", Map.of("BRIDGE_TOPICS_PROMPTS", "x")))
                .isEqualTo("x");
    }

    @Test
    void resolvesChannelsPortsAndTimeoutsAgainstAnEnvironment() {
        assertThat(app.channelTopics(Map.of())).contains("song-prompts", "songs", "song-failures", "song-prompts-dlq");
        assertThat(app.channelTopics(Map.of("BRIDGE_TOPICS_SONGS", "tunes")))
                .contains("tunes")
                .doesNotContain("songs");
        assertThat(app.incomingChannel(Map.of()))
                .containsEntry("topic", "song-prompts")
                .containsEntry("group.id", "whisul-bridge");
        assertThat(app.managementPort(Map.of())).isEqualTo(9000);
        assertThat(app.managementPort(Map.of("BRIDGE_MANAGEMENT_PORT", "9100"))).isEqualTo(9100);
        assertThat(app.healthPaths(Map.of()))
                .containsEntry("liveness", "/q/health/live")
                .containsEntry("readiness", "/q/health/ready")
                .containsEntry("startup", "/q/health/started");
        assertThat(app.shutdownTimeout(Map.of())).isEqualTo(Duration.ofSeconds(30));
        assertThat(AppConfiguration.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(AppConfiguration.parseDuration("PT45S")).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void readsTheFirstColumnOfTheConfigurationTable() {
        String md = "# whisul-bridge\n\n| a | b |\n| --- | --- |\n| `NOT_THIS` | x |\n\n## Configuration\n\nText.\n\n"
                + "| variable | default | meaning |\n| --- | --- | --- |\n| `WHISUL_BASE_URL` | `https://whisul.com/api` | base |\n"
                + "| `BRIDGE_MAX_IN_FLIGHT` | `1000` | cap |\n\n## Next\n| `ALSO_NOT` | |\n";
        assertThat(AppConfiguration.configurationTable(md)).containsExactly("WHISUL_BASE_URL", "BRIDGE_MAX_IN_FLIGHT");
        assertThatThrownBy(() -> AppConfiguration.configurationTable("# Title\n\nno table\n"))
                .isInstanceOf(AssertionError.class);
    }
}
