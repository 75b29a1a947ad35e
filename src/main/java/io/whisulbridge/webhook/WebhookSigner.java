package io.whisulbridge.webhook;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code webhook-signature} header of the Standard Webhooks specification: {@code v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>}, once per secret, separated by spaces, so that during a rotation a receiver that knows either
 * the old or the new secret accepts the delivery. The secrets themselves never leave this class (no toString).
 */
public final class WebhookSigner {

    private static final String PREFIX = "whsec_";

    private final List<Webhook> keys;

    private WebhookSigner(List<Webhook> keys) {
        this.keys = keys;
    }

    /** @param secrets one or more {@code whsec_}+base64 secrets, comma-separated */
    public static WebhookSigner of(String secrets) {
        List<Webhook> keys = new ArrayList<>();
        for (String secret : secrets.split(",")) {
            String trimmed = secret.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!trimmed.startsWith(PREFIX)) {
                // the message names the position only: the value is a secret
                throw new IllegalArgumentException(
                        "WEBHOOK_SECRET: secret #" + (keys.size() + 1) + " does not start with " + PREFIX);
            }
            try {
                keys.add(new Webhook(trimmed));
            } catch (EmptyWebhookSecretException | IllegalArgumentException notBase64) {
                throw new IllegalArgumentException(
                        "WEBHOOK_SECRET: secret #" + (keys.size() + 1) + " is not " + PREFIX + " followed by base64");
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("WEBHOOK_SECRET holds no secret");
        }
        return new WebhookSigner(List.copyOf(keys));
    }

    /** @param timestamp seconds since the epoch, as sent in {@code webhook-timestamp} */
    public String signature(String id, long timestamp, String body) {
        List<String> signatures = new ArrayList<>(keys.size());
        for (Webhook key : keys) {
            try {
                signatures.add(key.sign(id, timestamp, body));
            } catch (WebhookSigningException e) {
                throw new IllegalStateException("signing webhook " + id + " failed", e);
            }
        }
        return String.join(" ", signatures);
    }
}
