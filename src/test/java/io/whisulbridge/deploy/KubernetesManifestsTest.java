package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Cross-checks between the manifests and the application: the ConfigMap's variables are ones the application
 * reads (and cover the README's configuration table), probes use the health paths and port the service serves,
 * KafkaTopic resources are exactly the channels' topics, the autoscalers watch the service's own consumer group and
 * topic; and the hardening the issue asks for holds in every rendered overlay.
 */
class KubernetesManifestsTest {

    private static final long MIB = 1024L * 1024L;
    /** The design's heap ceiling (~50,000 jobs in flight within 512 MiB). */
    private static final long MAX_HEAP = 512 * MIB;

    private static AppConfiguration app;
    private static List<Rendered> renders;

    @BeforeAll
    static void load() {
        app = new AppConfiguration();
        renders = Rendered.baseAndOverlays();
    }

    private static Stream<DynamicTest> perRender(ThrowingCheck check) {
        return renders.stream().map(r -> DynamicTest.dynamicTest(r.name, () -> check.accept(r)));
    }

    interface ThrowingCheck {
        void accept(Rendered r) throws Exception;
    }

    // ---- configuration ------------------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> configMapHoldsOnlyVariablesTheApplicationReads() {
        Set<String> known = app.knownEnvNames();
        return perRender(r -> {
            Set<String> unknown = new TreeSet<>(r.configData().keySet());
            unknown.removeAll(known);
            assertThat(unknown)
                    .as(r + ": ConfigMap keys the application does not read (known: " + known + ")")
                    .isEmpty();
            assertThat(r.configData())
                    .as(r + ": the API key belongs in the Secret")
                    .doesNotContainKey(AppConfiguration.API_KEY);
            assertThat(r.configData())
                    .as(r + ": the webhook secret belongs in a Secret")
                    .doesNotContainKey(AppConfiguration.WEBHOOK_SECRET);
        });
    }

    @Test
    void baseConfigMapNamesEverySettingAndRestatesTheApplicationDefaults() {
        Map<String, String> data = renders.get(0).configData();
        Set<String> expected = new TreeSet<>(app.knownEnvNames());
        expected.remove(AppConfiguration.API_KEY);
        expected.remove(AppConfiguration.WEBHOOK_SECRET);
        assertThat(new TreeSet<>(data.keySet()))
                .as("k8s/base/configmap.yaml names every setting")
                .isEqualTo(expected);
        List<String> differing = new ArrayList<>();
        for (String env : expected) {
            if (env.equals(AppConfiguration.KAFKA_BOOTSTRAP)) {
                continue; // deployment-specific by nature
            }
            String appDefault = app.effectiveEnv(env, Map.of());
            if (appDefault != null && !appDefault.equals(data.get(env))) {
                differing.add(env + "=" + data.get(env) + " (application default " + appDefault + ")");
            }
        }
        assertThat(differing)
                .as("k8s/base/configmap.yaml restates the application defaults; overlays change values")
                .isEmpty();
    }

    @Test
    void readmeConfigurationTableIsCoveredByTheConfigMapAndTheSecret() {
        Set<String> table = AppConfiguration.readmeConfigurationTable();
        if (table == null) {
            return; // no README.md yet: nothing to compare with
        }
        for (Rendered r : renders) {
            Set<String> provided = new LinkedHashSet<>(r.configData().keySet());
            r.bridgeContainer().getEnv().stream()
                    .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                    .forEach(e -> provided.add(e.getName()));
            Set<String> missing = new TreeSet<>(table);
            missing.removeAll(provided);
            assertThat(missing)
                    .as(r + ": README configuration variables missing from the ConfigMap/Secret")
                    .isEmpty();
        }
        Set<String> notRead = new TreeSet<>(table);
        notRead.removeAll(app.knownEnvNames());
        assertThat(notRead)
                .as("README configuration variables the application does not read")
                .isEmpty();
    }

    @TestFactory
    Stream<DynamicTest> apiKeyComesFromTheSecretAndNoRealKeyIsCommitted() {
        return perRender(r -> {
            EnvVar key = r.bridgeContainer().getEnv().stream()
                    .filter(e -> e.getName().equals(AppConfiguration.API_KEY))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(r + ": the bridge has no " + AppConfiguration.API_KEY));
            assertThat(key.getValue()).as(r + ": the key is never inline").isNull();
            assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo(Rendered.API_KEY_SECRET);
            assertThat(key.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(AppConfiguration.API_KEY);
            assertThat(key.getValueFrom().getSecretKeyRef().getOptional())
                    .as(r + ": a missing Secret stops the pod")
                    .isNotEqualTo(Boolean.TRUE);
            r.secrets().forEach(s -> {
                assertThat(r.name)
                        .as("only the dev overlay commits a Secret (the emulator's development key)")
                        .endsWith("dev");
                assertThat(s.getStringData()).containsExactly(Map.entry(AppConfiguration.API_KEY, "local-dev-key"));
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> webhookSecretComesFromAnOptionalSecret() {
        return perRender(r -> {
            var secret = r.bridgeContainer().getEnv().stream()
                    .filter(e -> e.getName().equals(AppConfiguration.WEBHOOK_SECRET))
                    .findFirst()
                    .orElseThrow(
                            () -> new AssertionError(r + ": the bridge has no " + AppConfiguration.WEBHOOK_SECRET));
            assertThat(secret.getValueFrom().getSecretKeyRef().getName()).isEqualTo("whisul-bridge-webhook-secret");
            assertThat(secret.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(AppConfiguration.WEBHOOK_SECRET);
            assertThat(secret.getValueFrom().getSecretKeyRef().getOptional())
                    .as(r + ": without it webhooks stay idle; the pod must start")
                    .isTrue();
        });
    }

    @Test
    void theSecretTemplateHoldsAPlaceholderOnly() throws Exception {
        Path templates = DeployFiles.k8s().resolve("templates");
        List<Path> files;
        try (Stream<Path> s = Files.list(templates)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).collect(Collectors.toList());
        }
        List<Map<String, Object>> secrets = new ArrayList<>();
        files.forEach(f -> ManifestModel.readObjects(f).stream()
                .filter(o -> "Secret".equals(o.get("kind")))
                .forEach(secrets::add));
        Map<String, Map<String, Object>> byName = new TreeMap<>();
        secrets.forEach(secret -> byName.put(
                (String) ManifestModel.map(secret.get("metadata"), "metadata").get("name"),
                ManifestModel.map(secret.get("stringData"), "stringData")));
        assertThat(byName)
                .as("k8s/templates/ holds the Secret templates: API key and archive credentials")
                .containsOnlyKeys(Rendered.API_KEY_SECRET, ARCHIVE_SECRET);
        assertThat(byName.get(Rendered.API_KEY_SECRET)).containsOnlyKeys(AppConfiguration.API_KEY);
        assertThat(byName.get(ARCHIVE_SECRET)).containsOnlyKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        byName.values()
                .forEach(data -> data.values()
                        .forEach(value -> assertThat(value.toString())
                                .as("a placeholder, not a key")
                                .startsWith("<")
                                .endsWith(">")));
    }

    private static final String ARCHIVE_SECRET = "whisul-bridge-archive-credentials";

    @TestFactory
    Stream<DynamicTest> archiveCredentialsComeFromAnOptionalSecretNeverInline() {
        return perRender(r -> {
            for (String name : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")) {
                EnvVar env = r.bridgeContainer().getEnv().stream()
                        .filter(e -> e.getName().equals(name))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError(r + ": the bridge has no " + name));
                assertThat(env.getValue())
                        .as(r + ": " + name + " is never inline")
                        .isNull();
                assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo(ARCHIVE_SECRET);
                assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(name);
                // archiving is off by default and web identity needs no keys: a missing Secret must not stop the pod
                assertThat(env.getValueFrom().getSecretKeyRef().getOptional()).isTrue();
            }
            assertThat(r.configData())
                    .as(r + ": credentials never in the ConfigMap")
                    .doesNotContainKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        });
    }

    // ---- probes and ports -----------------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> probesUseTheServicesHealthPathsOnItsManagementPort() {
        return perRender(r -> {
            Map<String, String> env = r.configData();
            int management = app.managementPort(env);
            Map<String, String> paths = app.healthPaths(env);
            Container c = r.bridgeContainer();
            check(r, "startup", c.getStartupProbe(), paths.get("startup"), management, c);
            check(r, "liveness", c.getLivenessProbe(), paths.get("liveness"), management, c);
            check(r, "readiness", c.getReadinessProbe(), paths.get("readiness"), management, c);
            assertThat(c.getPorts())
                    .as(r + ": declared container ports")
                    .anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(management))
                    .anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(app.httpPort(env)));
            Map<String, String> annotations =
                    r.bridge().getSpec().getTemplate().getMetadata().getAnnotations();
            assertThat(annotations)
                    .containsEntry("prometheus.io/port", String.valueOf(management))
                    .containsEntry("prometheus.io/path", app.metricsPath(env));
        });
    }

    private static void check(Rendered r, String kind, Probe probe, String path, int port, Container c) {
        assertThat(probe).as(r + ": " + kind + " probe").isNotNull();
        assertThat(probe.getHttpGet())
                .as(r + ": " + kind + " probe is an HTTP GET")
                .isNotNull();
        assertThat(probe.getHttpGet().getPath())
                .as(r + ": " + kind + " probe path")
                .isEqualTo(path);
        assertThat(Rendered.resolvePort(probe.getHttpGet().getPort(), c))
                .as(r + ": " + kind + " probe port")
                .isEqualTo(port);
    }

    @TestFactory
    Stream<DynamicTest> onlyTheManagementPortIsExposed() {
        return perRender(r -> {
            int management = app.managementPort(r.configData());
            Container c = r.bridgeContainer();
            Deployment bridge = r.bridge();
            List<Service> bridgeServices = r.services().stream()
                    .filter(s -> bridge.getSpec()
                            .getTemplate()
                            .getMetadata()
                            .getLabels()
                            .entrySet()
                            .containsAll(s.getSpec().getSelector().entrySet()))
                    .collect(Collectors.toList());
            assertThat(bridgeServices)
                    .as(r + ": a Service for the management port")
                    .hasSize(1);
            for (ServicePort p : bridgeServices.get(0).getSpec().getPorts()) {
                assertThat(Rendered.resolvePort(p.getTargetPort(), c))
                        .as(r + ": Service target port")
                        .isEqualTo(management);
            }
            NetworkPolicy np = r.bridgePolicy();
            assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
            assertThat(np.getSpec().getIngress()).as(r + ": ingress rules").isNotEmpty();
            for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
                assertThat(rule.getPorts())
                        .as(r + ": every ingress rule names the port")
                        .isNotEmpty();
                for (NetworkPolicyPort p : rule.getPorts()) {
                    int port = p.getPort().getIntVal() != null
                            ? p.getPort().getIntVal()
                            : Rendered.resolvePort(p.getPort(), c);
                    assertThat(port).as(r + ": ingress port").isEqualTo(management);
                }
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> egressIsLimitedToDnsKafkaWhisulAndObjectStorage() {
        return perRender(r -> {
            Map<String, String> env = r.configData();
            List<NetworkPolicyEgressRule> rules = r.bridgePolicy().getSpec().getEgress();
            assertThat(rules)
                    .as(r + ": exactly DNS, Kafka, Whisul and object storage")
                    .hasSize(4);
            // DNS
            assertThat(rules.get(0).getPorts())
                    .extracting(p -> p.getProtocol() + "/" + p.getPort().getIntVal())
                    .contains("UDP/53", "TCP/53");
            // Kafka: the namespace and port of KAFKA_BOOTSTRAP_SERVERS, the brokers of the topics' Strimzi cluster.
            String bootstrap = app.effectiveEnv(AppConfiguration.KAFKA_BOOTSTRAP, env);
            String host = bootstrap.split(",")[0].replaceAll(":[0-9]+$", "");
            int port = Integer.parseInt(bootstrap.split(",")[0].replaceAll("^.*:", ""));
            String[] labels = host.split("\\.");
            assertThat(labels.length)
                    .as(r + ": bootstrap is <service>.<namespace>.svc")
                    .isGreaterThanOrEqualTo(2);
            NetworkPolicyEgressRule kafka = rules.get(1);
            assertThat(kafka.getPorts())
                    .extracting(p -> p.getPort().getIntVal())
                    .contains(port);
            NetworkPolicyPeer peer = kafka.getTo().get(0);
            assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .containsEntry("kubernetes.io/metadata.name", labels[1]);
            String cluster = strimziCluster(r);
            assertThat(labels[0])
                    .as(r + ": bootstrap service of the topics' Strimzi cluster")
                    .isEqualTo(cluster + "-kafka-bootstrap");
            assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("strimzi.io/cluster", cluster);
            // Whisul: public HTTPS, or the emulator in dev (checked in KustomizeOverlaysTest).
            String whisul = env.get("WHISUL_BASE_URL");
            NetworkPolicyEgressRule w = rules.get(2);
            if (whisul.startsWith("https://")) {
                assertThat(w.getPorts())
                        .extracting(p -> p.getPort().getIntVal())
                        .containsExactly(443);
                assertThat(w.getTo()).allSatisfy(p -> {
                    assertThat(p.getIpBlock()).isNotNull();
                    assertThat(p.getIpBlock().getExcept())
                            .as("private ranges excluded")
                            .isNotEmpty();
                });
            } else {
                assertThat(w.getTo())
                        .allSatisfy(p -> assertThat(p.getPodSelector()).isNotNull());
            }
            // Object storage for the archive, in the cluster (AWS S3 is public HTTPS, which rule 2 allows)
            NetworkPolicyEgressRule storage = rules.get(3);
            assertThat(storage.getPorts())
                    .extracting(p -> p.getProtocol() + "/" + p.getPort().getIntVal())
                    .containsExactlyInAnyOrder("TCP/443", "TCP/9000");
            assertThat(storage.getTo())
                    .allSatisfy(p -> assertThat(p.getNamespaceSelector()).isNotNull());
        });
    }

    private static String strimziCluster(Rendered r) {
        Set<String> clusters = r.kafkaTopics().stream()
                .map(t -> ManifestModel.map(
                        ManifestModel.map(t.get("metadata"), "metadata").get("labels"), "labels"))
                .map(l -> (String) l.get("strimzi.io/cluster"))
                .collect(Collectors.toSet());
        assertThat(clusters).as(r + ": one Strimzi cluster for every topic").hasSize(1);
        return clusters.iterator().next();
    }

    // ---- lifecycle and resources ------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> terminationGraceExceedsTheShutdownTimeout() {
        return perRender(r -> {
            Duration shutdown = app.shutdownTimeout(r.configData());
            assertThat(shutdown).as(r + ": the service has a shutdown timeout").isPositive();
            long grace = r.bridge().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
            assertThat(grace)
                    .as(r + ": terminationGracePeriodSeconds leaves time to close Kafka clients after the drain")
                    .isGreaterThanOrEqualTo(shutdown.getSeconds() + 15);
        });
    }

    @TestFactory
    Stream<DynamicTest> heapAndMemoryLimitsFitTheSizing() {
        return perRender(r -> {
            Container c = r.bridgeContainer();
            Quantity requestMem = c.getResources().getRequests().get("memory");
            Quantity limitMem = c.getResources().getLimits().get("memory");
            assertThat(requestMem).as(r + ": memory request").isNotNull();
            assertThat(limitMem).as(r + ": memory limit").isNotNull();
            assertThat(c.getResources().getRequests()).as(r + ": cpu request").containsKey("cpu");
            assertThat(c.getResources().getLimits()).as(r + ": cpu limit").containsKey("cpu");
            BigDecimal request = requestMem.getNumericalAmount();
            BigDecimal limit = limitMem.getNumericalAmount();
            assertThat(request).isLessThanOrEqualTo(limit);
            String ratio = c.getEnv().stream()
                    .filter(e -> e.getName().equals("JAVA_MAX_MEM_RATIO"))
                    .map(EnvVar::getValue)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(r + ": JAVA_MAX_MEM_RATIO pins the heap share"));
            long heap = limit.multiply(new BigDecimal(ratio))
                    .divide(BigDecimal.valueOf(100))
                    .longValue();
            assertThat(heap)
                    .as(r + ": heap (ratio x limit) within the design's 512 MiB")
                    .isLessThanOrEqualTo(MAX_HEAP);
            assertThat(limit.longValue() - heap)
                    .as(r + ": room outside the heap (metaspace, threads, buffers)")
                    .isGreaterThanOrEqualTo(256 * MIB);
        });
    }

    // ---- hardening ----------------------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> everyPodIsHardened() {
        return perRender(r -> {
            for (Deployment d : r.deployments()) {
                String w = r + ": " + d.getMetadata().getName();
                PodSpec pod = d.getSpec().getTemplate().getSpec();
                assertThat(pod.getAutomountServiceAccountToken())
                        .as(w + ": no service-account token")
                        .isFalse();
                assertThat(pod.getEnableServiceLinks())
                        .as(w + ": no service-link variables")
                        .isFalse();
                assertThat(pod.getHostNetwork()).as(w + ": hostNetwork").isNotEqualTo(Boolean.TRUE);
                assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
                assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);
                PodSecurityContext psc = pod.getSecurityContext();
                assertThat(psc).as(w + ": pod securityContext").isNotNull();
                assertThat(psc.getRunAsNonRoot()).as(w + ": runAsNonRoot").isTrue();
                assertThat(psc.getRunAsUser())
                        .as(w + ": a non-root uid")
                        .isNotNull()
                        .isPositive();
                assertThat(psc.getSeccompProfile().getType())
                        .as(w + ": seccomp")
                        .isEqualTo("RuntimeDefault");
                Set<String> emptyDirs = pod.getVolumes().stream()
                        .filter(v -> v.getEmptyDir() != null)
                        .map(Volume::getName)
                        .collect(Collectors.toSet());
                assertThat(pod.getVolumes())
                        .as(w + ": only emptyDir volumes")
                        .allSatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
                for (Container c : pod.getContainers()) {
                    String cw = w + "/" + c.getName();
                    SecurityContext sc = c.getSecurityContext();
                    assertThat(sc).as(cw + ": securityContext").isNotNull();
                    assertThat(sc.getReadOnlyRootFilesystem())
                            .as(cw + ": read-only root filesystem")
                            .isTrue();
                    assertThat(sc.getAllowPrivilegeEscalation())
                            .as(cw + ": allowPrivilegeEscalation")
                            .isFalse();
                    assertThat(sc.getPrivileged()).as(cw + ": privileged").isNotEqualTo(Boolean.TRUE);
                    assertThat(sc.getCapabilities().getDrop())
                            .as(cw + ": capabilities dropped")
                            .containsExactly("ALL");
                    assertThat(sc.getCapabilities().getAdd())
                            .as(cw + ": no capability added")
                            .isNullOrEmpty();
                    assertThat(sc.getRunAsUser())
                            .as(cw + ": no root override")
                            .satisfiesAnyOf(
                                    u -> assertThat(u).isNull(),
                                    u -> assertThat(u).isPositive());
                    assertThat(c.getVolumeMounts())
                            .as(cw + ": a writable /tmp for the JVM")
                            .anySatisfy(m -> {
                                assertThat(m.getMountPath()).isEqualTo("/tmp");
                                assertThat(emptyDirs).contains(m.getName());
                                assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE);
                            });
                    assertThat(c.getResources().getRequests())
                            .as(cw + ": requests")
                            .containsKeys("cpu", "memory");
                    assertThat(c.getResources().getLimits()).as(cw + ": limits").containsKey("memory");
                    assertThat(c.getReadinessProbe())
                            .as(cw + ": readiness probe")
                            .isNotNull();
                    assertThat(c.getLivenessProbe()).as(cw + ": liveness probe").isNotNull();
                }
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> bridgesSpreadAcrossNodesAndSurviveDisruptions() {
        return perRender(r -> {
            Deployment bridge = r.bridge();
            if (r.isBase()) {
                assertThat(bridge.getSpec().getReplicas())
                        .as("base: at least 2 replicas")
                        .isGreaterThanOrEqualTo(2);
            }
            List<TopologySpreadConstraint> spread =
                    bridge.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
            assertThat(spread).as(r + ": spread across nodes").anySatisfy(t -> {
                assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                assertThat(t.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
                assertThat(t.getMaxSkew()).isEqualTo(1);
                assertThat(bridge.getSpec().getTemplate().getMetadata().getLabels())
                        .containsAllEntriesOf(t.getLabelSelector().getMatchLabels());
            });
            List<PodDisruptionBudget> pdbs = r.pdbs().stream()
                    .filter(p -> bridge.getSpec()
                            .getTemplate()
                            .getMetadata()
                            .getLabels()
                            .entrySet()
                            .containsAll(
                                    p.getSpec().getSelector().getMatchLabels().entrySet()))
                    .collect(Collectors.toList());
            assertThat(pdbs).as(r + ": a PodDisruptionBudget for the bridge").hasSize(1);
            PodDisruptionBudget pdb = pdbs.get(0);
            if (pdb.getSpec().getMaxUnavailable() != null) {
                assertThat(pdb.getSpec().getMaxUnavailable().getIntVal())
                        .as(r + ": drains can proceed")
                        .isPositive();
            } else {
                assertThat(pdb.getSpec().getMinAvailable().getIntVal())
                        .as(r + ": drains can proceed with the fewest replicas")
                        .isLessThan(
                                bridge.getSpec().getReplicas() == null
                                        ? 2
                                        : bridge.getSpec().getReplicas());
            }
        });
    }

    // ---- topics and autoscaling --------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> kafkaTopicsAreExactlyTheChannelsTopics() {
        return perRender(r -> {
            Map<String, String> env = r.configData();
            Set<String> channels = app.channelTopics(env);
            Set<String> topics =
                    r.kafkaTopics().stream().map(Rendered::topicName).collect(Collectors.toCollection(TreeSet::new));
            assertThat(topics)
                    .as(r + ": KafkaTopic resources vs the channel configuration")
                    .isEqualTo(new TreeSet<>(channels));
            // The configured names are the BridgeConfig defaults unless an overlay renames them.
            for (String env2 : List.of(
                    "BRIDGE_TOPICS_PROMPTS",
                    "BRIDGE_TOPICS_SONGS",
                    "BRIDGE_TOPICS_FAILURES",
                    "BRIDGE_TOPICS_DEAD_LETTER")) {
                assertThat(topics).contains(app.effectiveEnv(env2, env));
            }
            // Outcomes are keyed by request id and a duplicate compacts away (events contract).
            for (Map<String, Object> t : r.kafkaTopics()) {
                String name = Rendered.topicName(t);
                Map<String, Object> config = ManifestModel.map(
                        ManifestModel.map(t.get("spec"), "spec").get("config"), "config");
                boolean outcome = name.equals(app.effectiveEnv("BRIDGE_TOPICS_SONGS", env))
                        || name.equals(app.effectiveEnv("BRIDGE_TOPICS_FAILURES", env));
                assertThat(config).as(r + ": " + name + " has a retention").containsKey("retention.ms");
                if (outcome) {
                    assertThat(config.get("cleanup.policy").toString())
                            .as(r + ": " + name + " is compacted")
                            .contains("compact");
                }
                if (name.equals(app.effectiveEnv("BRIDGE_TOPICS_LEDGER", env))) {
                    // compaction cleans closed segments only: without segment.ms nothing is compacted for 7 days
                    assertThat(config).as(r + ": the ledger rolls segments").containsKey("segment.ms");
                    assertThat(config).as(r + ": the ledger states its min ISR").containsKey("min.insync.replicas");
                }
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> scaledObjectWatchesTheServicesConsumerGroupAndTopic() {
        return renders.stream()
                .filter(r -> !r.scaledObjects().isEmpty())
                .map(r -> DynamicTest.dynamicTest(r.name, () -> {
                    Map<String, String> env = r.configData();
                    Map<String, String> incoming = app.incomingChannel(env);
                    Map<String, Object> so = r.scaledObjects().get(0);
                    Map<String, Object> spec = ManifestModel.map(so.get("spec"), "spec");
                    Map<String, Object> trigger = ManifestModel.map(
                            ManifestModel.list(spec.get("triggers"), "triggers").get(0), "trigger");
                    Map<String, Object> md = ManifestModel.map(trigger.get("metadata"), "metadata");
                    assertThat(trigger.get("type")).isEqualTo("kafka");
                    assertThat(md.get("topic"))
                            .as(r + ": trigger topic = the incoming channel's")
                            .isEqualTo(incoming.get("topic"));
                    assertThat(md.get("consumerGroup"))
                            .as(r + ": trigger group = the channel's group.id")
                            .isEqualTo(incoming.get("group.id"));
                    assertThat(md.get("bootstrapServers"))
                            .as(r + ": trigger bootstrap")
                            .isEqualTo(app.effectiveEnv(AppConfiguration.KAFKA_BOOTSTRAP, env));
                    assertThat(md.get("offsetResetPolicy"))
                            .as(r + ": as the consumer's auto.offset.reset")
                            .isEqualTo(incoming.get("auto.offset.reset"));
                    assertThat(md.get("lagThreshold"))
                            .as(r + ": lag per replica = jobs in flight per replica")
                            .isEqualTo(app.effectiveEnv("BRIDGE_MAX_IN_FLIGHT", env));
                    int min = (Integer) spec.get("minReplicaCount");
                    int max = (Integer) spec.get("maxReplicaCount");
                    assertThat(min)
                            .as(r + ": never fewer than two consumers, never zero")
                            .isGreaterThanOrEqualTo(2);
                    assertThat(r.bridge().getSpec().getReplicas())
                            .as(r + ": the Deployment leaves the replica count to KEDA")
                            .isNull();
                    assertThat(max)
                            .as(r + ": no more consumers than prompt partitions")
                            .isLessThanOrEqualTo(promptPartitions(r, incoming.get("topic")));
                    assertThat(max).isGreaterThan(min);
                }));
    }

    @TestFactory
    Stream<DynamicTest> hpaBoundsMatchThePromptTopic() {
        return renders.stream()
                .filter(r -> !r.hpas().isEmpty())
                .map(r -> DynamicTest.dynamicTest(r.name, () -> {
                    assertThat(r.scaledObjects())
                            .as(r + ": one autoscaler only")
                            .isEmpty();
                    HorizontalPodAutoscaler hpa = r.hpas().get(0);
                    String topic = app.incomingChannel(r.configData()).get("topic");
                    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(Rendered.BRIDGE);
                    assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
                    assertThat(r.bridge().getSpec().getReplicas())
                            .as(r + ": the Deployment leaves the replica count to the HPA")
                            .isNull();
                    assertThat(hpa.getSpec().getMaxReplicas()).isLessThanOrEqualTo(promptPartitions(r, topic));
                    // A CPU target is relative to the request: there must be one.
                    assertThat(r.bridgeContainer().getResources().getRequests()).containsKey("cpu");
                }));
    }

    private static int promptPartitions(Rendered r, String topic) {
        return r.kafkaTopics().stream()
                .filter(t -> Rendered.topicName(t).equals(topic))
                .map(t -> (Integer) ManifestModel.map(t.get("spec"), "spec").get("partitions"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(r + ": no KafkaTopic " + topic));
    }
}
