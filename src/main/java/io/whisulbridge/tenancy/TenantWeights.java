package io.whisulbridge.tenancy;

import io.whisulbridge.messaging.PromptParser;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code BRIDGE_TENANT_WEIGHTS}, e.g. {@code gold=4,silver=2}: a tenant's share of submits while several tenants wait,
 * relative to the others'. Tenants not named weigh {@link #DEFAULT_WEIGHT}.
 */
public record TenantWeights(Map<String, Integer> named) {

    public static final int DEFAULT_WEIGHT = 1;
    /** More would let one tenant's round hold the others up for that many submits. */
    public static final int MAX_WEIGHT = 1000;

    public static final TenantWeights EQUAL = new TenantWeights(Map.of());

    public TenantWeights {
        named = Map.copyOf(named);
    }

    public int of(String tenant) {
        return named.getOrDefault(tenant, DEFAULT_WEIGHT);
    }

    /** Parses the setting; blank means every tenant weighs the same. Throws with a message naming the bad part. */
    public static TenantWeights parse(String setting) {
        if (setting == null || setting.isBlank()) {
            return EQUAL;
        }
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (String part : setting.split(",")) {
            String pair = part.strip();
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String tenant = equals < 0 ? pair : pair.substring(0, equals).strip();
            String weight = equals < 0 ? "" : pair.substring(equals + 1).strip();
            if (!PromptParser.isValidTenant(tenant)) {
                throw new IllegalArgumentException("BRIDGE_TENANT_WEIGHTS: '" + pair + "' does not start with a tenant "
                        + "name of 1 to 64 characters from A-Z a-z 0-9 . _ : - followed by '='");
            }
            int value;
            try {
                value = Integer.parseInt(weight);
            } catch (NumberFormatException notANumber) {
                value = -1;
            }
            if (value < 1 || value > MAX_WEIGHT) {
                throw new IllegalArgumentException("BRIDGE_TENANT_WEIGHTS: the weight of '" + tenant
                        + "' must be a whole number from 1 to " + MAX_WEIGHT + " (was '" + weight + "')");
            }
            if (weights.put(tenant, value) != null) {
                throw new IllegalArgumentException("BRIDGE_TENANT_WEIGHTS names '" + tenant + "' twice");
            }
        }
        return new TenantWeights(weights);
    }
}
