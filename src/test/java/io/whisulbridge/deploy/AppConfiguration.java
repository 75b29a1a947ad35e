package io.whisulbridge.deploy;

import io.quarkus.runtime.configuration.DurationConverter;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the application reads, derived from the application itself rather than restated: the configuration mapping
 * (io.whisulbridge.config.BridgeConfig, by reflection: group methods nest, {@code @WithName} renames,
 * {@code @WithDefault} gives the default), the {@code ${ENV_VAR:default}} placeholders of application.properties, and
 * the Kafka bootstrap variable Quarkus maps. Property {@code whisul.poll-interval} is variable
 * {@code WHISUL_POLL_INTERVAL} (the mapping's prefix is empty).
 */
final class AppConfiguration {

    static final String MAPPING_CLASS = "io.whisulbridge.config.BridgeConfig";
    /** Read by Quarkus/SmallRye as kafka.bootstrap.servers (see application.properties). */
    static final String KAFKA_BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";

    static final String API_KEY = "WHISUL_API_KEY";
    /** The webhook signing secret: like the API key, from a Secret, never in the ConfigMap. */
    static final String WEBHOOK_SECRET = "WEBHOOK_SECRET";

    private static final String APP_PACKAGE = "io.whisulbridge.";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");

    /** Mapping property name to its default (null when it has none). */
    final Map<String, String> mappingDefaults = new LinkedHashMap<>();
    /** application.properties, raw (unexpanded) values. */
    final Map<String, String> properties = new LinkedHashMap<>();
    /** ${ENV:default} placeholders of application.properties: variable to default. */
    final Map<String, String> placeholderDefaults = new LinkedHashMap<>();

    AppConfiguration() {
        readMapping();
        readProperties();
    }

    static String toEnv(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** Every environment variable the application reads. */
    Set<String> knownEnvNames() {
        Set<String> out = new LinkedHashSet<>();
        mappingDefaults.keySet().forEach(p -> out.add(toEnv(p)));
        out.addAll(placeholderDefaults.keySet());
        out.add(KAFKA_BOOTSTRAP);
        return out;
    }

    /** The value the application would see for a variable, given an environment (e.g. a ConfigMap's data). */
    String effectiveEnv(String env, Map<String, String> environment) {
        if (environment.containsKey(env)) {
            return environment.get(env);
        }
        for (Map.Entry<String, String> e : mappingDefaults.entrySet()) {
            if (toEnv(e.getKey()).equals(env)) {
                return e.getValue();
            }
        }
        return placeholderDefaults.get(env);
    }

    /** Expands ${...} in an application.properties value against an environment. */
    String resolve(String expression, Map<String, String> environment) {
        Matcher m = PLACEHOLDER.matcher(expression);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String fallback = m.group(2);
            String value = environment.get(key.matches("[A-Z0-9_]+") ? key : toEnv(key));
            if (value == null && mappingDefaults.containsKey(key)) {
                value = mappingDefaults.get(key);
            }
            if (value == null && properties.containsKey(key)) {
                value = resolve(properties.get(key), environment);
            }
            if (value == null) {
                value = fallback;
            }
            if (value == null) {
                throw new AssertionError("cannot resolve ${" + key + "} in " + expression);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A property of application.properties, expanded against an environment; null when absent. */
    String property(String name, Map<String, String> environment) {
        String raw = properties.get(name);
        return raw == null ? null : resolve(raw, environment);
    }

    int managementPort(Map<String, String> environment) {
        String v = property("quarkus.management.port", environment);
        return Integer.parseInt(v == null ? "9000" : v);
    }

    int httpPort(Map<String, String> environment) {
        String v = property("quarkus.http.port", environment);
        return Integer.parseInt(v == null ? "8080" : v);
    }

    /** The health paths the management interface serves: liveness, readiness, startup. */
    Map<String, String> healthPaths(Map<String, String> environment) {
        String root = Optional.ofNullable(property("quarkus.management.root-path", environment))
                .orElse("/q");
        String health = Optional.ofNullable(property("quarkus.smallrye-health.root-path", environment))
                .orElse("health");
        String base = health.startsWith("/") ? health : trimSlash(root) + "/" + health;
        Map<String, String> out = new LinkedHashMap<>();
        out.put(
                "liveness",
                base + "/"
                        + Optional.ofNullable(property("quarkus.smallrye-health.liveness-path", environment))
                                .orElse("live"));
        out.put(
                "readiness",
                base + "/"
                        + Optional.ofNullable(property("quarkus.smallrye-health.readiness-path", environment))
                                .orElse("ready"));
        out.put(
                "startup",
                base + "/"
                        + Optional.ofNullable(property("quarkus.smallrye-health.startup-path", environment))
                                .orElse("started"));
        return out;
    }

    String metricsPath(Map<String, String> environment) {
        String root = Optional.ofNullable(property("quarkus.management.root-path", environment))
                .orElse("/q");
        return trimSlash(root) + "/metrics";
    }

    Duration shutdownTimeout(Map<String, String> environment) {
        String v = property("quarkus.shutdown.timeout", environment);
        return v == null ? Duration.ZERO : parseDuration(v);
    }

    /**
     * Every Kafka topic the service uses, resolved against an environment: those of its channels (incoming,
     * dead-letter), those it writes through its fenced writer (songs, failures, the ledger) and the webhook
     * dispatcher's own (retries, exhausted deliveries).
     */
    Set<String> channelTopics(Map<String, String> environment) {
        Set<String> out = new LinkedHashSet<>();
        for (String written : List.of("songs", "failures", "ledger", "webhook-retry", "webhook-exhausted")) {
            out.add(resolve("${bridge.topics." + written + "}", environment));
        }
        for (String key : properties.keySet()) {
            if (key.matches("mp\\.messaging\\.(incoming|outgoing)\\.[^.]+\\.(topic|dead-letter-queue\\.topic)")) {
                out.add(property(key, environment));
            }
        }
        return out;
    }

    /** The incoming channels' topic, consumer group and offset reset (there is one incoming channel). */
    Map<String, String> incomingChannel(Map<String, String> environment) {
        List<String> channels = new ArrayList<>();
        for (String key : properties.keySet()) {
            Matcher m = Pattern.compile("mp\\.messaging\\.incoming\\.([^.]+)\\.topic")
                    .matcher(key);
            if (m.matches()) {
                channels.add(m.group(1));
            }
        }
        if (channels.size() != 1) {
            throw new AssertionError("expected one incoming channel in application.properties, found " + channels);
        }
        String prefix = "mp.messaging.incoming." + channels.get(0) + ".";
        Map<String, String> out = new LinkedHashMap<>();
        out.put("topic", property(prefix + "topic", environment));
        out.put("group.id", property(prefix + "group.id", environment));
        out.put(
                "auto.offset.reset",
                Optional.ofNullable(property(prefix + "auto.offset.reset", environment))
                        .orElse("latest"));
        return out;
    }

    /** As Quarkus reads a duration setting: with its own converter. */
    static Duration parseDuration(String v) {
        return DurationConverter.parseDuration(v);
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    private void readMapping() {
        Class<?> root;
        try {
            root = Class.forName(MAPPING_CLASS);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("configuration mapping " + MAPPING_CLASS
                    + " not found: the deployment checks derive the " + "configuration variables from it");
        }
        walk(root, "", root, new LinkedHashSet<>());
        if (mappingDefaults.isEmpty()) {
            throw new AssertionError(MAPPING_CLASS + " declares no properties");
        }
    }

    private void walk(Class<?> type, String prefix, Class<?> root, Set<Class<?>> stack) {
        if (!stack.add(type)) {
            return;
        }
        for (Method m : type.getMethods()) {
            if (m.isDefault()
                    || Modifier.isStatic(m.getModifiers())
                    || m.getParameterCount() > 0
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = annotationValue(m, "io.smallrye.config.WithName");
            if (name == null) {
                name = kebab(m.getName());
            }
            if (isPresent(m, "io.smallrye.config.WithParentName")) {
                name = "";
            }
            String full = prefix.isEmpty() ? name : name.isEmpty() ? prefix : prefix + "." + name;
            Class<?> rt = m.getReturnType();
            // A group: an interface of the application itself (io.whisulbridge...), nested under its parent's name.
            if (rt.isInterface() && rt.getName().startsWith(APP_PACKAGE)) {
                walk(rt, full, root, stack);
            } else {
                mappingDefaults.put(full, annotationValue(m, "io.smallrye.config.WithDefault"));
            }
        }
        stack.remove(type);
    }

    private static boolean isPresent(Method m, String annotation) {
        for (Annotation a : m.getAnnotations()) {
            if (a.annotationType().getName().equals(annotation)) {
                return true;
            }
        }
        return false;
    }

    private static String annotationValue(Method m, String annotation) {
        for (Annotation a : m.getAnnotations()) {
            if (a.annotationType().getName().equals(annotation)) {
                try {
                    Method value = a.annotationType().getMethod("value");
                    Object v = value.invoke(a);
                    return v == null ? null : v.toString();
                } catch (NoSuchMethodException e) {
                    return null;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return null;
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private void readProperties() {
        Path file = DeployFiles.root().resolve("src/main/resources/application.properties");
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("src/main/resources/application.properties not found");
        }
        // Line continuations are not used in the file; keep the parser simple and strict.
        for (String line : DeployFiles.read(file).split("\\R")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("!")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = l.substring(0, eq).strip();
            String value = l.substring(eq + 1).strip();
            if (key.startsWith("%")) {
                continue; // profile-specific (dev/test) values do not apply to the packaged application
            }
            properties.put(key.replace("\"", ""), value);
            Matcher m = PLACEHOLDER.matcher(value);
            while (m.find()) {
                if (m.group(1).matches("[A-Z][A-Z0-9_]*")) {
                    placeholderDefaults.put(m.group(1), m.group(2));
                }
            }
        }
    }

    // ---- README --------------------------------------------------------------------------------------------------

    /**
     * The variables of the README's configuration table: the first table after a heading that mentions
     * "configuration", first column in backticks. Null when there is no README.md.
     */
    static Set<String> readmeConfigurationTable() {
        Path readme = DeployFiles.root().resolve("README.md");
        if (!Files.isRegularFile(readme)) {
            return null;
        }
        return configurationTable(DeployFiles.read(readme));
    }

    static Set<String> configurationTable(String markdown) {
        List<String> lines = List.of(markdown.split("\\R"));
        Set<String> names = new LinkedHashSet<>();
        boolean inSection = false;
        boolean inTable = false;
        for (String line : lines) {
            String l = line.strip();
            if (l.startsWith("#")) {
                if (inTable) {
                    break;
                }
                inSection = l.toLowerCase(Locale.ROOT).contains("configuration");
                continue;
            }
            if (!inSection) {
                continue;
            }
            if (l.startsWith("|")) {
                inTable = true;
                String first = l.substring(1).split("\\|", 2)[0];
                Matcher m = Pattern.compile("`([A-Z][A-Z0-9_]*)`").matcher(first);
                while (m.find()) {
                    names.add(m.group(1));
                }
            } else if (inTable) {
                break;
            }
        }
        if (names.isEmpty()) {
            throw new AssertionError("README.md has no configuration table (a table under a heading mentioning "
                    + "\"configuration\", variable names in backticks in the first column)");
        }
        return names;
    }
}
