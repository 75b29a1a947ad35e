package io.whisulbridge.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One kustomization (an overlay or the base) as {@code kubectl kustomize} renders it, with typed access to what the
 * checks look at. Rendering goes through {@link KubectlKustomize}, which runs kubectl once per directory.
 */
final class Rendered {

    static final String BRIDGE = "whisul-bridge";
    static final String CONFIG_MAP = "whisul-bridge-config";
    static final String API_KEY_SECRET = "whisul-bridge-api-key";

    /** One rendered object. */
    static final class Resource {
        final Map<String, Object> object;

        Resource(Map<String, Object> object) {
            this.object = object;
        }

        String apiVersion() {
            return (String) object.get("apiVersion");
        }

        String kind() {
            return (String) object.get("kind");
        }

        String name() {
            return (String) ManifestModel.map(object.get("metadata"), kind()).get("name");
        }

        String namespace() {
            return (String) ManifestModel.map(object.get("metadata"), kind()).get("namespace");
        }

        String id() {
            return apiVersion() + "/" + kind() + "/" + (namespace() == null ? "~" : namespace()) + "/" + name();
        }

        @Override
        public String toString() {
            return kind() + " " + name();
        }
    }

    final String name;
    final Path dir;
    final List<Resource> resources;

    private Rendered(String name, Path dir, List<Resource> resources) {
        this.name = name;
        this.dir = dir;
        this.resources = resources;
    }

    /** Parsed afresh on each call (kubectl's output is cached), so no test sees another's changes to the maps. */
    static Rendered of(Path dir) {
        List<Resource> resources =
                KubectlKustomize.objects(dir).stream().map(Resource::new).collect(Collectors.toList());
        return new Rendered(DeployFiles.rel(dir), dir, Collections.unmodifiableList(resources));
    }

    static List<Rendered> baseAndOverlays() {
        List<Rendered> out = new ArrayList<>();
        out.add(of(DeployFiles.base()));
        DeployFiles.overlayDirs().forEach(d -> out.add(of(d)));
        return out;
    }

    static List<Rendered> overlays() {
        return DeployFiles.overlayDirs().stream().map(Rendered::of).collect(Collectors.toList());
    }

    boolean isBase() {
        return dir.toAbsolutePath()
                .normalize()
                .equals(DeployFiles.base().toAbsolutePath().normalize());
    }

    List<Resource> ofKind(String kind) {
        return resources.stream().filter(r -> kind.equals(r.kind())).collect(Collectors.toList());
    }

    Optional<Resource> find(String kind, String resourceName) {
        return resources.stream()
                .filter(r -> kind.equals(r.kind()) && resourceName.equals(r.name()))
                .findFirst();
    }

    Resource get(String kind, String resourceName) {
        return find(kind, resourceName)
                .orElseThrow(() -> new AssertionError(name + ": no " + kind + " " + resourceName));
    }

    <T> T typed(Resource r, Class<T> type) {
        return ManifestModel.toModel(r.object, type, name + ": " + r);
    }

    Deployment deployment(String resourceName) {
        return typed(get("Deployment", resourceName), Deployment.class);
    }

    Deployment bridge() {
        return deployment(BRIDGE);
    }

    Container bridgeContainer() {
        return container(bridge(), BRIDGE);
    }

    static Container container(Deployment d, String containerName) {
        return d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> containerName.equals(c.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "Deployment " + d.getMetadata().getName() + " has no container " + containerName));
    }

    List<Deployment> deployments() {
        return ofKind("Deployment").stream()
                .map(r -> typed(r, Deployment.class))
                .collect(Collectors.toList());
    }

    Map<String, String> configData() {
        ConfigMap cm = typed(get("ConfigMap", CONFIG_MAP), ConfigMap.class);
        return cm.getData() == null ? Map.of() : new LinkedHashMap<>(cm.getData());
    }

    List<Secret> secrets() {
        return ofKind("Secret").stream().map(r -> typed(r, Secret.class)).collect(Collectors.toList());
    }

    List<Service> services() {
        return ofKind("Service").stream().map(r -> typed(r, Service.class)).collect(Collectors.toList());
    }

    List<NetworkPolicy> networkPolicies() {
        return ofKind("NetworkPolicy").stream()
                .map(r -> typed(r, NetworkPolicy.class))
                .collect(Collectors.toList());
    }

    NetworkPolicy bridgePolicy() {
        return typed(get("NetworkPolicy", BRIDGE), NetworkPolicy.class);
    }

    List<PodDisruptionBudget> pdbs() {
        return ofKind("PodDisruptionBudget").stream()
                .map(r -> typed(r, PodDisruptionBudget.class))
                .collect(Collectors.toList());
    }

    List<HorizontalPodAutoscaler> hpas() {
        return ofKind("HorizontalPodAutoscaler").stream()
                .map(r -> typed(r, HorizontalPodAutoscaler.class))
                .collect(Collectors.toList());
    }

    List<Map<String, Object>> kafkaTopics() {
        return ofKind("KafkaTopic").stream().map(r -> r.object).collect(Collectors.toList());
    }

    List<Map<String, Object>> scaledObjects() {
        return ofKind("ScaledObject").stream().map(r -> r.object).collect(Collectors.toList());
    }

    /** Resolves a probe or Service port (a number, or the name of a container port) to a number. */
    static int resolvePort(IntOrString port, Container c) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        String n = port.getStrVal();
        return c.getPorts().stream()
                .filter(p -> n.equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElseThrow(() -> new AssertionError("container " + c.getName() + " has no port named " + n));
    }

    /** Strimzi KafkaTopic: the Kafka topic name (spec.topicName, else metadata.name). */
    @SuppressWarnings("unchecked")
    static String topicName(Map<String, Object> topic) {
        Map<String, Object> spec = (Map<String, Object>) topic.get("spec");
        Object explicit = spec == null ? null : spec.get("topicName");
        return explicit != null
                ? explicit.toString()
                : ((Map<String, Object>) topic.get("metadata")).get("name").toString();
    }

    @Override
    public String toString() {
        return name;
    }
}
