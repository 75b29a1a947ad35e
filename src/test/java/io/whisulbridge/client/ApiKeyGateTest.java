package io.whisulbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a key probe's answer proves: only an answer from Whisul that is not a refusal opens the gate again. */
class ApiKeyGateTest {

    @Test
    void aProbeThatOurOwnBudgetHeldBackProvesNothing() {
        assertThat(ApiKeyGate.provesKey(new PollResponse.Deferred(Duration.ofSeconds(1))))
                .isFalse();
    }

    @Test
    void aRefusalOrAnErrorProvesNothing() {
        assertThat(ApiKeyGate.provesKey(new PollResponse.Unauthorized(401))).isFalse();
        assertThat(ApiKeyGate.provesKey(new PollResponse.Transient("HTTP 503", null)))
                .isFalse();
        assertThat(ApiKeyGate.provesKey(new PollResponse.Transient("HTTP 429", Duration.ofSeconds(1), true)))
                .isFalse();
    }

    @Test
    void aNotFoundForTheMadeUpProbeJobProvesTheKey() {
        assertThat(ApiKeyGate.provesKey(new PollResponse.NotFound())).isTrue();
    }
}
