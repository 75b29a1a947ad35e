package io.whisulbridge.support;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.whisulbridge.config.BridgeConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The real {@link BridgeConfig} mapping with its documented defaults, for unit tests that need one. */
public final class BridgeConfigs {

    private BridgeConfigs() {}

    /** The mapping as SmallRye builds it, from the defaults plus a key plus {@code overrides}. */
    public static BridgeConfig config(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>();
        properties.put("whisul.api-key", "wk_test_123");
        properties.putAll(overrides);
        SmallRyeConfig config = quarkusDurations()
                .withMapping(BridgeConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(BridgeConfig.class);
    }

    /** Quarkus reads {@code 5s} as well as {@code PT5S}; plain SmallRye only the latter. */
    public static SmallRyeConfigBuilder quarkusDurations() {
        return new SmallRyeConfigBuilder().withConverter(Duration.class, 200, new DurationConverter());
    }
}
