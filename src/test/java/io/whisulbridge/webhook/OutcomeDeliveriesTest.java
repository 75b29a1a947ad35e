package io.whisulbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeDeliveriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant RECORD_TIME = Instant.parse("2026-11-29T10:00:00Z");
    private static final String SONG =
            "{\"request_id\":\"r-1\",\"title\":\"t\",\"callback_url\":\"https://h.example/cb\"}";

    private final OutcomeDeliveries deliveries = new OutcomeDeliveries(JSON, List.of("https://ops.example/a"));

    @Test
    void oneDeliveryPerOperatorUrlAndOneToTheCallbackAllWithTheOutcomesCloudEventId() {
        List<Delivery> made = deliveries.of(true, "r-1", "r-1:completed", "2026-11-29T09:59:59Z", RECORD_TIME, SONG);

        assertThat(made)
                .extracting(Delivery::url, Delivery::callback)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("https://ops.example/a", false),
                        org.assertj.core.groups.Tuple.tuple("https://h.example/cb", true));
        assertThat(made).extracting(Delivery::webhookId).containsOnly("r-1:completed");
        assertThat(made).extracting(Delivery::attempts).containsOnly(0);
    }

    @Test
    void theBodyIsTheStandardWebhooksShapeAroundTheOutcomeAsPublished() throws Exception {
        JsonNode body = JSON.readTree(deliveries
                .of(true, "r-1", "r-1:completed", "2026-11-29T09:59:59Z", RECORD_TIME, SONG)
                .get(0)
                .body());

        assertThat(body.get("type").asText()).isEqualTo("io.whisulbridge.song.completed.v1");
        assertThat(body.get("timestamp").asText()).isEqualTo("2026-11-29T09:59:59Z");
        assertThat(body.get("data")).isEqualTo(JSON.readTree(SONG));
    }

    @Test
    void withoutCloudEventHeadersTheIdAndTimeAreDerivedTheSameWay() throws Exception {
        Delivery failure = new OutcomeDeliveries(JSON, List.of())
                .of(
                        false,
                        "r-2",
                        null,
                        null,
                        RECORD_TIME,
                        "{\"request_id\":\"r-2\",\"callback_url\":\"https://h.example/cb\"}")
                .get(0);

        assertThat(failure.webhookId()).isEqualTo("r-2:failed");
        assertThat(JSON.readTree(failure.body()).get("type").asText()).isEqualTo("io.whisulbridge.song.failed.v1");
        assertThat(JSON.readTree(failure.body()).get("timestamp").asText()).isEqualTo(RECORD_TIME.toString());
    }

    @Test
    void anOutcomeWithoutCallbackAndNoOperatorUrlsMakesNoDelivery() {
        assertThat(new OutcomeDeliveries(JSON, List.of())
                        .of(true, "r-3", null, null, RECORD_TIME, "{\"request_id\":\"r-3\"}"))
                .isEmpty();
    }

    @Test
    void operatorUrlsAreReadCommaSeparated() {
        assertThat(OutcomeDeliveries.urls(java.util.Optional.of("https://a.example/x, ,https://b.example/y ")))
                .containsExactly("https://a.example/x", "https://b.example/y");
    }
}
