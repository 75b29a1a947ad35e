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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** One rendered kustomization (an overlay or the base), with typed access to what the checks look at. */
final class Rendered {

    static final String BRIDGE = "whisul-bridge";
    static final String CONFIG_MAP = "whisul-bridge-config";
    static final String API_KEY_SECRET = "whisul-bridge-api-key";

    final String name;
    final Path dir;
    final List<MiniKustomize.Resource> resources;

    private Rendered(String name, Path dir, List<MiniKustomize.Resource> resources) {
        this.name = name;
        this.dir = dir;
        this.resources = resources;
    }

    static Rendered of(Path dir) {
        String name = DeployFiles.rel(dir);
        return new Rendered(name, dir, new MiniKustomize().build(dir));
    }

    static List<Rendered> baseAndOverlays() {
        List<Rendered> out = new java.util.ArrayList<>();
        out.add(of(DeployFiles.base()));
        DeployFiles.overlayDirs().forEach(d -> out.add(of(d)));
        return out;
    }

    static List<Rendered> overlays() {
        return DeployFiles.overlayDirs().stream().map(Rendered::of).collect(Collectors.toList());
    }

    boolean isBase() {
        return dir.toAbsolutePath().normalize().equals(DeployFiles.base().toAbsolutePath().normalize());
    }

    List<MiniKustomize.Resource> ofKind(String kind) {
        return resources.stream().filter(r -> kind.equals(r.kind())).collect(Collectors.toList());
    }

    Optional<MiniKustomize.Resource> find(String kind, String resourceName) {
        return resources.stream().filter(r -> kind.equals(r.kind()) && resourceName.equals(r.name())).findFirst();
    }

    MiniKustomize.Resource get(String kind, String resourceName) {
        return find(kind, resourceName).orElseThrow(() -> new AssertionError(name + ": no " + kind + " " + resourceName));
    }

    <T> T typed(MiniKustomize.Resource r, Class<T> type) {
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
                .orElseThrow(() -> new AssertionError("Deployment " + d.getMetadata().getName() + " has no container " + containerName));
    }

    List<Deployment> deployments() {
        return ofKind("Deployment").stream().map(r -> typed(r, Deployment.class)).collect(Collectors.toList());
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
        return ofKind("NetworkPolicy").stream().map(r -> typed(r, NetworkPolicy.class)).collect(Collectors.toList());
    }

    NetworkPolicy bridgePolicy() {
        return typed(get("NetworkPolicy", BRIDGE), NetworkPolicy.class);
    }

    List<PodDisruptionBudget> pdbs() {
        return ofKind("PodDisruptionBudget").stream().map(r -> typed(r, PodDisruptionBudget.class)).collect(Collectors.toList());
    }

    List<HorizontalPodAutoscaler> hpas() {
        return ofKind("HorizontalPodAutoscaler").stream().map(r -> typed(r, HorizontalPodAutoscaler.class)).collect(Collectors.toList());
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
        return explicit != null ? explicit.toString() : ((Map<String, Object>) topic.get("metadata")).get("name").toString();
    }

    @Override
    public String toString() {
        return name;
    }
}
