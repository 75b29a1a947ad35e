package io.whisulbridge.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads manifests the way kubectl does (YAML 1.1, duplicate keys rejected) and checks each one against the
 * Kubernetes model: the fabric8 kubernetes-model classes for built-in kinds, with unknown fields and wrongly typed
 * scalars rejected (the API server rejects them too), and a structural check for the two custom resources
 * (Strimzi KafkaTopic, KEDA ScaledObject), whose model classes are not on the classpath.
 */
final class ManifestModel {

    /** Kinds the project's manifests may use, by apiVersion and kind. */
    static final Map<String, Class<?>> MODEL = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

    static final String KAFKA_TOPIC = "kafka.strimzi.io/v1beta2/KafkaTopic";
    static final String SCALED_OBJECT = "keda.sh/v1alpha1/ScaledObject";

    /** Strict: unknown properties fail (the fabric8 catch-all setter is removed), no scalar coercion. */
    static final ObjectMapper MAPPER = strictMapper();

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private ManifestModel() {}

    private static ObjectMapper strictMapper() {
        SimpleModule noCatchAll = new SimpleModule("no-any-setter");
        noCatchAll.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(
                    DeserializationConfig config, BeanDescription beanDesc, BeanDeserializerBuilder builder) {
                if (beanDesc.getBeanClass().getName().startsWith("io.fabric8.")) {
                    // fabric8 model classes collect unknown fields in "additionalProperties"; the API server would
                    // reject them (or, worse, silently drop them), so they are errors here.
                    builder.setAnySetter(null);
                }
                return builder;
            }
        });
        JsonMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addModule(noCatchAll)
                .build();
        // A ConfigMap value written as 1000 instead of "1000" is rejected by the API server: reject it here too.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            mapper.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        return mapper;
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /** The documents of a YAML file, empty documents skipped, each a mutable tree of maps and lists. */
    static List<Object> readDocuments(Path file) {
        return readDocuments(DeployFiles.read(file), DeployFiles.rel(file));
    }

    static List<Object> readDocuments(String text, String where) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        List<Object> docs = new ArrayList<>();
        try {
            for (Object doc : yaml.loadAll(text)) {
                if (doc != null) {
                    docs.add(doc);
                }
            }
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": not valid YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> readObjects(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object doc : readDocuments(file)) {
            if (!(doc instanceof Map)) {
                throw new AssertionError(DeployFiles.rel(file) + ": a document is not a mapping");
            }
            out.add((Map<String, Object>) doc);
        }
        return out;
    }

    static String typeKey(Map<String, Object> obj) {
        return obj.get("apiVersion") + "/" + obj.get("kind");
    }

    // ---- validation -------------------------------------------------------------------------------------------

    /**
     * Checks one complete object: parses into its model class (or the structural check of a custom resource) and
     * checks the name. Returns the typed object (a Map for custom resources).
     */
    static Object validate(Map<String, Object> obj, String where) {
        Object apiVersion = obj.get("apiVersion");
        Object kind = obj.get("kind");
        if (!(apiVersion instanceof String) || !(kind instanceof String)) {
            throw new AssertionError(where + ": apiVersion and kind must be strings, got " + apiVersion + " / " + kind);
        }
        Map<String, Object> metadata = map(obj.get("metadata"), where + ": metadata");
        Object name = metadata.get("name");
        if (!(name instanceof String)
                || !DNS_SUBDOMAIN.matcher((String) name).matches()
                || ((String) name).length() > 253) {
            throw new AssertionError(where + ": metadata.name must be a DNS subdomain name, got " + name);
        }
        String key = typeKey(obj);
        if (KAFKA_TOPIC.equals(key)) {
            validateKafkaTopic(obj, where);
            return obj;
        }
        if (SCALED_OBJECT.equals(key)) {
            validateScaledObject(obj, where);
            return obj;
        }
        Class<?> type = MODEL.get(key);
        if (type == null) {
            throw new AssertionError(where + ": " + key + " is not a kind this project deploys (known: "
                    + MODEL.keySet() + ", " + KAFKA_TOPIC + ", " + SCALED_OBJECT + ")");
        }
        if (Set.of("Namespace", "Service", "Deployment", "ServiceAccount").contains(kind)
                && !DNS_LABEL.matcher((String) name).matches()) {
            throw new AssertionError(where + ": a " + kind + " name must be a DNS label, got " + name);
        }
        return toModel(obj, type, where);
    }

    /** Parses a (possibly partial, e.g. a strategic merge patch) object into a model class, strictly. */
    static <T> T toModel(Object tree, Class<T> type, String where) {
        T value;
        try {
            value = MAPPER.convertValue(withoutPatchDirectives(tree), type);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(
                    where + ": does not match the Kubernetes model of " + type.getSimpleName() + ": " + e.getMessage(),
                    e);
        }
        List<String> extra = new ArrayList<>();
        findAdditionalProperties(value, type.getSimpleName(), extra, new IdentityHashMap<>());
        if (!extra.isEmpty()) {
            throw new AssertionError(where + ": fields unknown to the Kubernetes model: " + extra);
        }
        return value;
    }

    /** Kustomize strategic-merge directives ($patch, $setElementOrder/..., $retainKeys) are not object fields. */
    @SuppressWarnings("unchecked")
    static Object withoutPatchDirectives(Object tree) {
        if (tree instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) tree).entrySet()) {
                if (!e.getKey().startsWith("$")) {
                    out.put(e.getKey(), withoutPatchDirectives(e.getValue()));
                }
            }
            return out;
        }
        if (tree instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<Object>) tree) {
                out.add(withoutPatchDirectives(o));
            }
            return out;
        }
        return tree;
    }

    /** Second line of defence: any non-empty fabric8 additionalProperties map in the object graph. */
    private static void findAdditionalProperties(
            Object value, String path, List<String> out, Map<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                findAdditionalProperties(e.getValue(), path + "[" + e.getKey() + "]", out, seen);
            }
            return;
        }
        if (value instanceof Collection) {
            int i = 0;
            for (Object o : (Collection<?>) value) {
                findAdditionalProperties(o, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Object fieldValue;
                try {
                    f.setAccessible(true);
                    fieldValue = f.get(value);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    continue;
                }
                if (f.getName().equals("additionalProperties") && fieldValue instanceof Map) {
                    if (!((Map<?, ?>) fieldValue).isEmpty()) {
                        out.add(path + ": " + ((Map<?, ?>) fieldValue).keySet());
                    }
                } else {
                    findAdditionalProperties(fieldValue, path + "." + f.getName(), out, seen);
                }
            }
        }
    }

    // ---- custom resources -------------------------------------------------------------------------------------

    /** Strimzi KafkaTopic (kafka.strimzi.io/v1beta2): the fields of its CRD's schema this project may use. */
    static void validateKafkaTopic(Map<String, Object> obj, String where) {
        allowOnly(obj, where, "apiVersion", "kind", "metadata", "spec");
        validateObjectMeta(obj, where);
        Map<String, Object> labels = map(map(obj.get("metadata"), where).get("labels"), where + ": metadata.labels");
        if (!(labels.get("strimzi.io/cluster") instanceof String)) {
            throw new AssertionError(
                    where + ": a KafkaTopic needs the label strimzi.io/cluster naming its Kafka cluster");
        }
        Map<String, Object> spec = map(obj.get("spec"), where + ": spec");
        allowOnly(spec, where + ": spec", "partitions", "replicas", "config", "topicName");
        positiveInt(spec.get("partitions"), where + ": spec.partitions");
        int replicas = positiveInt(spec.get("replicas"), where + ": spec.replicas");
        if (replicas > 32767) {
            throw new AssertionError(where + ": spec.replicas out of range");
        }
        if (spec.containsKey("topicName") && !(spec.get("topicName") instanceof String)) {
            throw new AssertionError(where + ": spec.topicName must be a string");
        }
        if (spec.containsKey("config")) {
            Map<String, Object> config = map(spec.get("config"), where + ": spec.config");
            for (Map.Entry<String, Object> e : config.entrySet()) {
                Object v = e.getValue();
                if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                    throw new AssertionError(where + ": spec.config." + e.getKey() + " must be a scalar");
                }
                if (!e.getKey().matches("[a-z]+(\\.[a-z]+)*")) {
                    throw new AssertionError(
                            where + ": spec.config key " + e.getKey() + " is not a Kafka topic config name");
                }
            }
            Object policy = config.get("cleanup.policy");
            if (policy != null
                    && !Set.of("delete", "compact", "compact,delete", "delete,compact")
                            .contains(policy)) {
                throw new AssertionError(where + ": cleanup.policy " + policy + " is not delete, compact or both");
            }
            Object minIsr = config.get("min.insync.replicas");
            if (minIsr != null && Integer.parseInt(minIsr.toString()) > replicas) {
                throw new AssertionError(where + ": min.insync.replicas " + minIsr + " exceeds replicas " + replicas
                        + ": no acks=all write could ever succeed");
            }
        }
    }

    /** KEDA ScaledObject (keda.sh/v1alpha1), with the Kafka scaler's metadata. */
    static void validateScaledObject(Map<String, Object> obj, String where) {
        allowOnly(obj, where, "apiVersion", "kind", "metadata", "spec");
        validateObjectMeta(obj, where);
        Map<String, Object> spec = map(obj.get("spec"), where + ": spec");
        allowOnly(
                spec,
                where + ": spec",
                "scaleTargetRef",
                "pollingInterval",
                "cooldownPeriod",
                "initialCooldownPeriod",
                "idleReplicaCount",
                "minReplicaCount",
                "maxReplicaCount",
                "fallback",
                "advanced",
                "triggers");
        Map<String, Object> target = map(spec.get("scaleTargetRef"), where + ": spec.scaleTargetRef");
        allowOnly(target, where + ": spec.scaleTargetRef", "apiVersion", "kind", "name", "envSourceContainerName");
        if (!(target.get("name") instanceof String)) {
            throw new AssertionError(where + ": spec.scaleTargetRef.name is required");
        }
        for (String f : List.of(
                "pollingInterval",
                "cooldownPeriod",
                "initialCooldownPeriod",
                "idleReplicaCount",
                "minReplicaCount",
                "maxReplicaCount")) {
            if (spec.containsKey(f) && !(spec.get(f) instanceof Integer && (Integer) spec.get(f) >= 0)) {
                throw new AssertionError(where + ": spec." + f + " must be a non-negative integer");
            }
        }
        if (spec.containsKey("fallback")) {
            Map<String, Object> fallback = map(spec.get("fallback"), where + ": spec.fallback");
            allowOnly(fallback, where + ": spec.fallback", "failureThreshold", "replicas", "behavior");
        }
        if (spec.containsKey("advanced")) {
            Map<String, Object> advanced = map(spec.get("advanced"), where + ": spec.advanced");
            allowOnly(
                    advanced,
                    where + ": spec.advanced",
                    "restoreToOriginalReplicaCount",
                    "horizontalPodAutoscalerConfig",
                    "scalingModifiers");
            if (advanced.containsKey("horizontalPodAutoscalerConfig")) {
                Map<String, Object> hpa =
                        map(advanced.get("horizontalPodAutoscalerConfig"), where + ": horizontalPodAutoscalerConfig");
                allowOnly(hpa, where + ": horizontalPodAutoscalerConfig", "name", "behavior");
                if (hpa.containsKey("behavior")) {
                    // The same type as an autoscaling/v2 HPA's spec.behavior: the model class checks it.
                    toModel(
                            hpa.get("behavior"),
                            HorizontalPodAutoscalerBehavior.class,
                            where + ": horizontalPodAutoscalerConfig.behavior");
                }
            }
        }
        List<Object> triggers = list(spec.get("triggers"), where + ": spec.triggers");
        if (triggers.isEmpty()) {
            throw new AssertionError(where + ": spec.triggers must not be empty");
        }
        for (Object t : triggers) {
            Map<String, Object> trigger = map(t, where + ": trigger");
            allowOnly(
                    trigger,
                    where + ": trigger",
                    "type",
                    "name",
                    "metadata",
                    "authenticationRef",
                    "metricType",
                    "useCachedMetrics");
            Map<String, Object> metadata = map(trigger.get("metadata"), where + ": trigger.metadata");
            for (Map.Entry<String, Object> e : metadata.entrySet()) {
                if (!(e.getValue() instanceof String)) {
                    // KEDA's CRD types trigger metadata as map[string]string.
                    throw new AssertionError(
                            where + ": trigger metadata " + e.getKey() + " must be a string (quote it)");
                }
            }
            if ("kafka".equals(trigger.get("type"))) {
                allowOnly(
                        metadata,
                        where + ": kafka trigger metadata",
                        "bootstrapServers",
                        "bootstrapServersFromEnv",
                        "consumerGroup",
                        "consumerGroupFromEnv",
                        "topic",
                        "topicFromEnv",
                        "lagThreshold",
                        "activationLagThreshold",
                        "offsetResetPolicy",
                        "allowIdleConsumers",
                        "scaleToZeroOnInvalidOffset",
                        "excludePersistentLag",
                        "limitToPartitionsWithLag",
                        "ensureEvenDistributionOfPartitions",
                        "version",
                        "partitionLimitation",
                        "sasl",
                        "tls",
                        "unsafeSsl");
                for (String required : List.of("bootstrapServers", "consumerGroup")) {
                    if (!metadata.containsKey(required) && !metadata.containsKey(required + "FromEnv")) {
                        throw new AssertionError(where + ": kafka trigger needs " + required);
                    }
                }
                Object reset = metadata.get("offsetResetPolicy");
                if (reset != null && !Set.of("earliest", "latest").contains(reset)) {
                    throw new AssertionError(where + ": offsetResetPolicy must be earliest or latest");
                }
                for (String numeric : List.of("lagThreshold", "activationLagThreshold")) {
                    if (metadata.containsKey(numeric)
                            && !metadata.get(numeric).toString().matches("[0-9]+")) {
                        throw new AssertionError(where + ": " + numeric + " must be a whole number");
                    }
                }
            } else {
                throw new AssertionError(where + ": only the kafka trigger is expected, got " + trigger.get("type"));
            }
        }
    }

    private static void validateObjectMeta(Map<String, Object> obj, String where) {
        Map<String, Object> metadata = map(obj.get("metadata"), where + ": metadata");
        allowOnly(metadata, where + ": metadata", "name", "namespace", "labels", "annotations");
        for (String f : List.of("labels", "annotations")) {
            if (metadata.containsKey(f)) {
                for (Map.Entry<String, Object> e :
                        map(metadata.get(f), where + ": metadata." + f).entrySet()) {
                    if (!(e.getValue() instanceof String)) {
                        throw new AssertionError(where + ": metadata." + f + "." + e.getKey() + " must be a string");
                    }
                }
            }
        }
    }

    // ---- small helpers ----------------------------------------------------------------------------------------

    static void allowOnly(Map<String, Object> m, String where, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> it = m.keySet().iterator(); it.hasNext(); ) {
            String k = it.next();
            if (!ok.contains(k)) {
                throw new AssertionError(where + ": unknown field '" + k + "' (allowed: " + ok + ")");
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String where) {
        if (!(o instanceof Map)) {
            throw new AssertionError(where + " must be a mapping, got " + o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o, String where) {
        if (!(o instanceof List)) {
            throw new AssertionError(where + " must be a list, got " + o);
        }
        return (List<Object>) o;
    }

    static int positiveInt(Object o, String where) {
        if (!(o instanceof Integer) || (Integer) o < 1) {
            throw new AssertionError(where + " must be a positive integer, got " + o);
        }
        return (Integer) o;
    }
}
