package io.whisulbridge.health;

import io.smallrye.common.annotation.Identifier;
import io.whisulbridge.config.KafkaConnection;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while no Kafka broker answers. Quarkus' own check waits up to the admin client's 60 s API timeout, longer
 * than any probe; this one answers within {@link #TIMEOUT_MS}, so the probe says DOWN instead of timing out.
 */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements HealthCheck {

    static final int TIMEOUT_MS = 3000;

    private final Map<String, Object> kafka;
    private Admin admin;

    public KafkaHealthCheck(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.kafka = kafka;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            Collection<Node> nodes = admin().describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS))
                    .nodes()
                    .get(TIMEOUT_MS + 500L, TimeUnit.MILLISECONDS);
            return HealthCheckResponse.named("kafka")
                    .up()
                    .withData(
                            "brokers",
                            nodes.stream()
                                    .map(node -> node.host() + ":" + node.port())
                                    .collect(Collectors.joining(",")))
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down("interrupted");
        } catch (Exception unreachable) {
            return down("no Kafka broker answered within " + TIMEOUT_MS + " ms ("
                    + (unreachable.getCause() != null ? unreachable.getCause() : unreachable)
                            .getClass()
                            .getSimpleName() + ")");
        }
    }

    private static HealthCheckResponse down(String reason) {
        return HealthCheckResponse.named("kafka")
                .down()
                .withData("reason", reason)
                .build();
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> config = KafkaConnection.settings(kafka);
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, "whisul-bridge-health");
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
            admin = Admin.create(config);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
