package io.whisulbridge.messaging;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.restassured.RestAssured;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.whisulbridge.support.InjectWhisul;
import io.whisulbridge.support.OutcomeTopics;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API key is never written anywhere: not in logs (with the HTTP client and the service logging at DEBUG), not
 * in health output, not on a rejected key, not on a successful job.
 */
@QuarkusTest
@TestProfile(ApiKeyNeverLoggedIT.VerboseFileLog.class)
@WithBrokerAndWhisul
class ApiKeyNeverLoggedIT {

    static final Path LOG = Path.of("target", "api-key-scan.log");

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;

    @Test
    void neitherLogsNorHealthEverContainTheKey() throws Exception {
        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompt("leak-1", prompt("leak-1", "leak check one"));
            topics.awaitOutcome("leak-1");

            whisul.acceptKey("rotated");
            topics.publishPrompt("leak-2", prompt("leak-2", "leak check two"));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> RestAssured.get(readiness).statusCode() == 503);
            String health = RestAssured.get(readiness).asString();
            whisul.acceptKey(ScriptedWhisul.KEY);
            topics.awaitOutcome("leak-2");

            String log = Files.readString(LOG);
            assertThat(log).as("the scan saw the rejected-key path").contains("Whisul rejected the API key");
            assertThat(log).as("the scan saw the job log lines").contains("leak-1");
            assertThat(log).doesNotContain(ScriptedWhisul.KEY);
            assertThat(health).contains("whisul-api-key").doesNotContain(ScriptedWhisul.KEY);
        } finally {
            whisul.acceptKey(ScriptedWhisul.KEY);
        }
    }

    public static class VerboseFileLog implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "bridge.consumer-group", "whisul-bridge-key-scan",
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG.toString(),
                    "quarkus.log.file.level", "DEBUG",
                    "quarkus.log.category.\"io.vertx\".level", "DEBUG",
                    "quarkus.log.category.\"io.netty\".level", "DEBUG",
                    "quarkus.log.category.\"io.quarkus.config\".level", "DEBUG",
                    "quarkus.log.category.\"io.whisulbridge\".level", "DEBUG");
        }
    }
}
