package io.whisulbridge.messaging;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

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
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A rejected key stops the intake and flips readiness, fails no request, and heals by itself. */
@QuarkusTest
@TestProfile(ApiKeyRejectedIT.OwnInstance.class)
@WithBrokerAndWhisul
class ApiKeyRejectedIT {

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;

    @AfterEach
    void restoreKey() {
        whisul.acceptKey(ScriptedWhisul.KEY);
    }

    @Test
    void rejectedKeyMakesTheServiceUnreadyWithoutFailingRequestsAndItRecovers() {
        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            whisul.acceptKey("a-regenerated-key");
            topics.publishPrompt(null, prompt("key-1", "first while rejected"));

            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> RestAssured.given()
                            .get(readiness)
                            .then()
                            .statusCode(503)
                            .body("checks.find { it.name == 'whisul-api-key' }.status", equalTo("DOWN")));
            topics.publishPrompt(null, prompt("key-2", "second while rejected"));
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> topics.outcomes("key-1").isEmpty()
                            && topics.outcomes("key-2").isEmpty());
            assertThat(whisul.submissions("second while rejected")).isZero();

            whisul.acceptKey(ScriptedWhisul.KEY);

            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> RestAssured.given()
                            .get(readiness)
                            .then()
                            .statusCode(200)
                            .body("checks.status", hasItem("UP")));
            assertThat(topics.awaitOutcome("key-1").isSong()).isTrue();
            assertThat(topics.awaitOutcome("key-2").isSong()).isTrue();
            assertThat(topics.outcomes("key-1")).hasSize(1);
        }
    }

    /** A Quarkus instance of its own: the closed gate must not leak into other tests. */
    public static class OwnInstance implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("bridge.consumer-group", "whisul-bridge-key-test");
        }
    }
}
