package io.whisulbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    // The test vector published with the Standard Webhooks specification (spec/standard-webhooks.md).
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330L;
    private static final String SPEC_BODY = "{\"test\": 2432232314}";
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static final String OTHER_SECRET =
            "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void reproducesTheSpecificationsTestVector() {
        assertThat(WebhookSigner.of(SPEC_SECRET).signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))
                .isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void duringARotationEachSecretSignsAndAReceiverKnowingEitherOneVerifies() throws Exception {
        long now = java.time.Instant.now().getEpochSecond();
        String signature = WebhookSigner.of(OTHER_SECRET + ", " + SPEC_SECRET).signature(SPEC_ID, now, SPEC_BODY);

        assertThat(signature.split(" ")).hasSize(2);
        Map<String, List<String>> headers = Map.of(
                "webhook-id",
                List.of(SPEC_ID),
                "webhook-timestamp",
                List.of(Long.toString(now)),
                "webhook-signature",
                List.of(signature));
        assertThatCode(() -> new Webhook(SPEC_SECRET).verify(SPEC_BODY, headers))
                .doesNotThrowAnyException();
        assertThatCode(() -> new Webhook(OTHER_SECRET).verify(SPEC_BODY, headers))
                .doesNotThrowAnyException();
    }

    @Test
    void aSecretWithoutThePrefixIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> WebhookSigner.of(OTHER_SECRET + ",MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
                .hasMessage("WEBHOOK_SECRET: secret #2 does not start with whsec_");
    }

    @Test
    void aSecretThatIsNotBase64IsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> WebhookSigner.of("whsec_not*base64!"))
                .hasMessage("WEBHOOK_SECRET: secret #1 is not whsec_ followed by base64");
    }
}
