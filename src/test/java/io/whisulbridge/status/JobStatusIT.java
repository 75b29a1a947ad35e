package io.whisulbridge.status;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.restassured.RestAssured;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.whisulbridge.support.InjectWhisul;
import io.whisulbridge.support.OutcomeTopics;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.ScriptedWhisul.Script;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.net.URL;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The job status API on the management interface answers for running, finished and unknown requests. */
@QuarkusTest
@WithBrokerAndWhisul
class JobStatusIT {

    @InjectKafkaCompanion
    KafkaCompanion kafka;

    @InjectWhisul
    ScriptedWhisul whisul;

    @TestHTTPResource(value = "/health", management = true)
    URL managementHealth;

    @Test
    void runningJobShowsItsWhisulJobPollsAndNextPollThenItsOutcome() {
        String id = "status-" + UUID.randomUUID();
        whisul.script("status " + id, Script.defaults().runsFor(Duration.ofSeconds(3)));
        try (OutcomeTopics topics = new OutcomeTopics(kafka)) {
            topics.publishPrompt(id, prompt(id, "status " + id));

            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> RestAssured.get(jobs(id))
                            .then()
                            .statusCode(200)
                            .body("request_id", equalTo(id))
                            .body("state", equalTo("polling"))
                            .body("job_id", notNullValue())
                            .body("polls", greaterThanOrEqualTo(1))
                            .body("next_poll_due", notNullValue())
                            .body("deadline", notNullValue()));
            RestAssured.given()
                    .queryParam("state", "running")
                    .get(jobs(""))
                    .then()
                    .statusCode(200)
                    .body("jobs.request_id", hasItem(id))
                    .body("total", greaterThanOrEqualTo(1));

            topics.awaitOutcome(id);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> RestAssured.get(jobs(id))
                            .then()
                            .statusCode(200)
                            .body("state", equalTo("done"))
                            .body("outcome", equalTo("COMPLETED"))
                            .body("finished_at", notNullValue()));
        }
    }

    @Test
    void unknownRequestIdIs404() {
        RestAssured.get(jobs("never-seen-" + UUID.randomUUID()))
                .then()
                .statusCode(404)
                .body("error", equalTo("unknown request id"));
    }

    @Test
    void listingAnotherStateIsABadRequest() {
        RestAssured.given().queryParam("state", "finished").get(jobs("")).then().statusCode(400);
    }

    /** The management interface's root, from the health URL Quarkus resolved for the test. */
    private String jobs(String requestId) {
        String root = managementHealth.toString().replaceFirst("/q/health$", "").replaceFirst("/health$", "");
        return root + "/jobs" + (requestId.isEmpty() ? "" : "/" + requestId);
    }
}
