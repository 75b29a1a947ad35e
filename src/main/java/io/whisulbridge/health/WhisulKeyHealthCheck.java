package io.whisulbridge.health;

import io.whisulbridge.client.ApiKeyGate;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** DOWN while Whisul rejects our key: the pod is healthy, but it cannot do its work. */
@Readiness
@ApplicationScoped
public class WhisulKeyHealthCheck implements HealthCheck {

    private final ApiKeyGate keyGate;

    public WhisulKeyHealthCheck(ApiKeyGate keyGate) {
        this.keyGate = keyGate;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("whisul-api-key")
                .status(!keyGate.isKeyRejected())
                .withData("reason", keyGate.describe())
                .build();
    }
}
