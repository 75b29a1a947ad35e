package io.whisulbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AttemptTest {

    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");

    @Test
    void anyTwoHundredIsDelivered() {
        assertThat(Attempt.ofResponse(204, null, "", NOW)).isEqualTo(new Attempt.Delivered(204));
    }

    @Test
    void fourTenEndsTheDelivery() {
        assertThat(Attempt.ofResponse(410, null, "bye", NOW)).isInstanceOf(Attempt.Gone.class);
    }

    @Test
    void aRedirectIsAFailureNotFollowed() {
        assertThat(Attempt.ofResponse(302, null, "", NOW)).isEqualTo(new Attempt.Failed(302, "HTTP 302", null));
    }

    @Test
    void retryAfterIsReadOnFourTwentyNineAndFiveOhThreeOnly() {
        assertThat(((Attempt.Failed) Attempt.ofResponse(429, "120", "", NOW)).retryAfter())
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(((Attempt.Failed) Attempt.ofResponse(503, "7", "", NOW)).retryAfter())
                .isEqualTo(Duration.ofSeconds(7));
        assertThat(((Attempt.Failed) Attempt.ofResponse(500, "7", "", NOW)).retryAfter())
                .isNull();
    }

    @Test
    void statusClassesNameTheHundredsOrNone() {
        assertThat(Attempt.ofResponse(503, null, "", NOW).statusClass()).isEqualTo("5xx");
        assertThat(Attempt.noResponse("connection refused").statusClass()).isEqualTo("none");
    }
}
