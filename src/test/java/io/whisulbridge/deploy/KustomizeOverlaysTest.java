package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Each overlay renders with {@code kubectl kustomize} (see KubectlKustomize), every rendered object matches the
 * Kubernetes model, and each overlay is what the issue asks of it: dev with one replica and the emulator, prod with
 * more replicas, the real Whisul and KEDA; prod-hpa with a plain HPA instead.
 */
class KustomizeOverlaysTest {

    @Test
    void theDocumentedOverlaysExist() {
        List<String> names = DeployFiles.overlayDirs().stream()
                .map(p -> p.getFileName().toString())
                .collect(Collectors.toList());
        assertThat(names).contains("dev", "prod", "prod-hpa");
    }

    @TestFactory
    Stream<DynamicTest> everyOverlayRendersIntoValidObjects() {
        return Stream.concat(Stream.of(DeployFiles.base()), DeployFiles.overlayDirs().stream())
                .map(dir -> DynamicTest.dynamicTest(DeployFiles.rel(dir), () -> {
                    // Rendered.of checks each object against the model as it parses kubectl's output.
                    Rendered r = Rendered.of(dir);
                    assertThat(r.resources).as(r + " renders resources").isNotEmpty();
                }));
    }

    @Test
    void theBaseLeavesTheNamespaceToTheOverlays() {
        Rendered base = Rendered.of(DeployFiles.base());
        assertThat(base.resources)
                .allSatisfy(
                        res -> assertThat(res.namespace()).as(res.toString()).isNull());
        assertThat(base.ofKind("Namespace")).isEmpty();
    }

    @TestFactory
    Stream<DynamicTest> everyOverlayOwnsARestrictedNamespace() {
        return Rendered.overlays().stream()
                .map(r -> DynamicTest.dynamicTest(r.name, () -> {
                    List<Rendered.Resource> namespaces = r.ofKind("Namespace");
                    assertThat(namespaces).as(r + ": one Namespace").hasSize(1);
                    Namespace ns = r.typed(namespaces.get(0), Namespace.class);
                    assertThat(ns.getMetadata().getLabels())
                            .as(r + ": Pod Security Admission enforces the restricted profile")
                            .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
                    String name = ns.getMetadata().getName();
                    r.resources.stream()
                            .filter(res -> !"Namespace".equals(res.kind()))
                            .forEach(res -> assertThat(res.namespace())
                                    .as(r + ": " + res + " namespace")
                                    .isEqualTo(name));
                }));
    }

    @Test
    void devRunsOneBridgeAgainstTheEmulator() {
        Rendered dev = Rendered.of(DeployFiles.overlay("dev"));
        assertThat(dev.bridge().getSpec().getReplicas())
                .as("dev bridge replicas")
                .isEqualTo(1);

        Deployment emulator = dev.deployment("whisul-emulator");
        Container ec = Rendered.container(emulator, "whisul-emulator");
        assertThat(ec.getCommand()).as("emulator command").contains("io.whisulbridge.emulator.EmulatorMain");
        assertThat(ec.getImage())
                .as("the emulator ships in the bridge image")
                .isEqualTo(dev.bridgeContainer().getImage());
        int emulatorPort = ec.getPorts().get(0).getContainerPort();
        assertThat(emulatorPort).isEqualTo(8090);
        Map<String, String> emulatorEnv = ec.getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
        assertThat(emulatorEnv)
                .as("the emulator listens beyond loopback, on its container port")
                .containsEntry("WHISUL_EMULATOR_HOST", "0.0.0.0")
                .containsEntry("WHISUL_EMULATOR_PORT", String.valueOf(emulatorPort));
        assertThat(ec.getEnv())
                .as("the emulator's key comes from the same Secret as the bridge's")
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("WHISUL_EMULATOR_API_KEYS");
                    assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(Rendered.API_KEY_SECRET);
                });

        // WHISUL_BASE_URL names the emulator's Service, its port and the API base path.
        URI base = URI.create(dev.configData().get("WHISUL_BASE_URL"));
        Service svc = dev.services().stream()
                .filter(s -> s.getMetadata().getName().equals(base.getHost()))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("dev: WHISUL_BASE_URL host " + base.getHost() + " is no Service"));
        ServicePort sp = svc.getSpec().getPorts().stream()
                .filter(p -> p.getPort() == base.getPort())
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("dev: Service " + base.getHost() + " has no port " + base.getPort()));
        assertThat(Rendered.resolvePort(sp.getTargetPort(), ec)).isEqualTo(emulatorPort);
        assertThat(svc.getSpec().getSelector())
                .isEqualTo(emulator.getSpec().getSelector().getMatchLabels());
        assertThat(base.getPath()).isEqualTo("/api");

        // The bridge may reach the emulator, and nothing on the internet.
        NetworkPolicy np = dev.bridgePolicy();
        assertThat(np.getSpec().getEgress())
                .as("dev: egress to the emulator pod")
                .anySatisfy(rule -> {
                    assertThat(rule.getPorts())
                            .extracting(p -> p.getPort().getIntVal())
                            .contains(emulatorPort);
                    assertThat(rule.getTo())
                            .anySatisfy(peer -> assertThat(emulator.getSpec()
                                            .getTemplate()
                                            .getMetadata()
                                            .getLabels())
                                    .containsAllEntriesOf(peer.getPodSelector().getMatchLabels()));
                });
        assertThat(np.getSpec().getEgress())
                .as("dev: no egress to public addresses")
                .noneSatisfy(rule -> assertThat(rule.getTo())
                        .anySatisfy(peer -> assertThat(peer.getIpBlock()).isNotNull()));
        assertThat(dev.find("NetworkPolicy", "whisul-emulator"))
                .as("dev: the emulator has its own policy")
                .isPresent();

        // A single broker: every topic with one replica.
        assertThat(dev.kafkaTopics())
                .allSatisfy(
                        t -> assertThat(ManifestModel.map(t.get("spec"), "spec").get("replicas"))
                                .isEqualTo(1));
    }

    @Test
    void prodRunsMoreBridgesAgainstTheRealWhisulAndScalesWithKeda() {
        Rendered base = Rendered.of(DeployFiles.base());
        Rendered prod = Rendered.of(DeployFiles.overlay("prod"));
        assertThat(prod.bridge().getSpec().getReplicas())
                .as("prod: the autoscaler owns the replica count")
                .isNull();
        Map<String, Object> soSpec =
                ManifestModel.map(prod.scaledObjects().get(0).get("spec"), "spec");
        assertThat((Integer) soSpec.get("minReplicaCount"))
                .as("prod runs more bridges than the base")
                .isGreaterThan(base.bridge().getSpec().getReplicas());
        assertThat(URI.create(prod.configData().get("WHISUL_BASE_URL")).getScheme())
                .isEqualTo("https");
        assertThat(prod.find("Deployment", "whisul-emulator"))
                .as("prod has no emulator")
                .isEmpty();
        assertThat(prod.secrets())
                .as("prod commits no Secret: it is created by hand")
                .isEmpty();
        assertThat(prod.scaledObjects()).as("prod: the KEDA ScaledObject").hasSize(1);
        assertThat(prod.hpas()).as("prod: no second autoscaler next to KEDA's").isEmpty();
        assertThat(prod.bridgeContainer().getImage())
                .as("prod pulls from a registry")
                .contains("/");
        assertThat(prod.bridge().getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .as("prod: strict spread over nodes and zones, one constraint per topology key")
                .extracting(t -> t.getTopologyKey() + "/" + t.getWhenUnsatisfiable())
                .containsExactlyInAnyOrder(
                        "kubernetes.io/hostname/DoNotSchedule", "topology.kubernetes.io/zone/DoNotSchedule");
        // Egress to public HTTPS (the real Whisul) is in place.
        assertThat(prod.bridgePolicy().getSpec().getEgress()).anySatisfy(rule -> {
            assertThat(rule.getPorts())
                    .extracting(NetworkPolicyPort::getPort)
                    .extracting(p -> p.getIntVal())
                    .contains(443);
            assertThat(rule.getTo())
                    .extracting(NetworkPolicyPeer::getIpBlock)
                    .allSatisfy(b -> assertThat(b).isNotNull());
        });
    }

    @Test
    void prodHpaSwapsTheScaledObjectForAPlainHpa() {
        Rendered prod = Rendered.of(DeployFiles.overlay("prod"));
        Rendered hpa = Rendered.of(DeployFiles.overlay("prod-hpa"));
        assertThat(hpa.scaledObjects()).isEmpty();
        assertThat(hpa.hpas()).hasSize(1);
        // Everything else is prod's.
        List<String> prodIds = prod.resources.stream()
                .filter(r -> !"ScaledObject".equals(r.kind()))
                .map(Rendered.Resource::id)
                .sorted()
                .collect(Collectors.toList());
        List<String> hpaIds = hpa.resources.stream()
                .filter(r -> !"HorizontalPodAutoscaler".equals(r.kind()))
                .map(Rendered.Resource::id)
                .sorted()
                .collect(Collectors.toList());
        assertThat(hpaIds).isEqualTo(prodIds);
    }

    @TestFactory
    Stream<DynamicTest> everyWorkloadReferenceResolves() {
        return Rendered.overlays().stream()
                .map(r -> DynamicTest.dynamicTest(r.name, () -> {
                    for (Deployment d : r.deployments()) {
                        var pod = d.getSpec().getTemplate().getSpec();
                        assertThat(pod.getContainers()).isNotEmpty();
                        assertThat(d.getSpec().getSelector().getMatchLabels())
                                .as(r + ": " + d.getMetadata().getName() + " selector")
                                .isNotEmpty();
                        assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                                .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
                        if (pod.getServiceAccountName() != null) {
                            assertThat(r.find("ServiceAccount", pod.getServiceAccountName()))
                                    .as(r + ": service account")
                                    .isPresent();
                        }
                        for (Container c : pod.getContainers()) {
                            c.getEnvFrom().forEach(ef -> {
                                if (ef.getConfigMapRef() != null) {
                                    assertThat(r.find(
                                                    "ConfigMap",
                                                    ef.getConfigMapRef().getName()))
                                            .as(r + ": envFrom ConfigMap")
                                            .isPresent();
                                }
                            });
                            c.getEnv().stream()
                                    .filter(e -> e.getValueFrom() != null
                                            && e.getValueFrom().getConfigMapKeyRef() != null)
                                    .forEach(e -> assertThat(r.find(
                                                    "ConfigMap",
                                                    e.getValueFrom()
                                                            .getConfigMapKeyRef()
                                                            .getName()))
                                            .isPresent());
                        }
                    }
                    for (Service s : r.services()) {
                        assertThat(r.deployments())
                                .as(r + ": Service " + s.getMetadata().getName() + " selects a workload")
                                .anySatisfy(d -> assertThat(d.getSpec()
                                                .getTemplate()
                                                .getMetadata()
                                                .getLabels())
                                        .containsAllEntriesOf(s.getSpec().getSelector()));
                    }
                    for (NetworkPolicy np : r.networkPolicies()) {
                        assertThat(r.deployments())
                                .as(r + ": NetworkPolicy " + np.getMetadata().getName() + " selects a workload")
                                .anySatisfy(d -> assertThat(d.getSpec()
                                                .getTemplate()
                                                .getMetadata()
                                                .getLabels())
                                        .containsAllEntriesOf(
                                                np.getSpec().getPodSelector().getMatchLabels()));
                        for (NetworkPolicyEgressRule rule : np.getSpec().getEgress()) {
                            assertThat(rule.getPorts())
                                    .as(r + ": every egress rule names its ports")
                                    .isNotEmpty();
                        }
                    }
                    for (Map<String, Object> so : r.scaledObjects()) {
                        Map<String, Object> target = ManifestModel.map(
                                ManifestModel.map(so.get("spec"), "spec").get("scaleTargetRef"), "ref");
                        assertThat(r.find(Objects.toString(target.getOrDefault("kind", "Deployment")), (String)
                                        target.get("name")))
                                .as(r + ": ScaledObject target")
                                .isPresent();
                    }
                    r.hpas()
                            .forEach(h -> assertThat(r.find(
                                            h.getSpec().getScaleTargetRef().getKind(),
                                            h.getSpec().getScaleTargetRef().getName()))
                                    .as(r + ": HPA target")
                                    .isPresent());
                }));
    }

    @TestFactory
    Stream<DynamicTest> imagesArePinnedToATag() {
        return Rendered.overlays().stream()
                .map(r -> DynamicTest.dynamicTest(r.name, () -> {
                    for (Deployment d : r.deployments()) {
                        for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
                            String image = c.getImage();
                            String last = image.substring(image.lastIndexOf('/') + 1);
                            assertThat(last)
                                    .as(r + ": " + c.getName() + " image " + image + " has a tag or digest")
                                    .containsAnyOf(":", "@");
                            assertThat(image).as(r + ": no :latest").doesNotEndWith(":latest");
                        }
                    }
                }));
    }
}
