package io.whisulbridge.config;

import java.util.HashMap;
import java.util.Map;

/** The settings every extra Kafka client of the service shares with the connectors: where and how to connect. */
public final class KafkaConnection {

    private KafkaConnection() {}

    /** From the {@code default-kafka-broker} map: bootstrap servers and security, nothing channel-specific. */
    public static Map<String, Object> settings(Map<String, Object> defaultKafkaBroker) {
        Map<String, Object> config = new HashMap<>();
        defaultKafkaBroker.forEach((key, value) -> {
            if (key.equals("bootstrap.servers")
                    || key.startsWith("security.")
                    || key.startsWith("sasl.")
                    || key.startsWith("ssl.")) {
                config.put(key, value);
            }
        });
        return config;
    }
}
