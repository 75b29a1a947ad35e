package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every YAML file under k8s/ parses into the Kubernetes model: complete objects, strategic-merge patches (partial
 * objects of the same model) and JSON 6902 patches. Unknown fields and wrongly typed values fail, as they would at
 * the API server; the negative cases at the bottom prove the validator is that strict.
 */
class ManifestSchemaTest {

    @TestFactory
    Stream<DynamicTest> everyManifestUnderK8sParsesIntoTheKubernetesModel() {
        Set<Path> patchFiles = patchFiles();
        List<Path> files = DeployFiles.k8sYamlFiles();
        assertThat(files).as("YAML files under k8s/").isNotEmpty();
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(DeployFiles.rel(file), () -> {
                    String where = DeployFiles.rel(file);
                    if (file.getFileName().toString().startsWith("kustomization.")) {
                        // Structure and references are checked by rendering (KustomizeOverlaysTest); parse it here.
                        assertThat(ManifestModel.readDocuments(file)).hasSize(1);
                        return;
                    }
                    List<Object> docs = ManifestModel.readDocuments(file);
                    assertThat(docs).as(where + " documents").isNotEmpty();
                    for (Object doc : docs) {
                        if (doc instanceof List) {
                            assertThat(patchFiles)
                                    .as(where + " is a JSON patch, so a kustomization must use it as one")
                                    .contains(file);
                            checkJsonPatchShape(ManifestModel.list(doc, where), where);
                        } else if (patchFiles.contains(file)) {
                            Map<String, Object> obj = ManifestModel.map(doc, where);
                            Class<?> type = ManifestModel.MODEL.get(ManifestModel.typeKey(obj));
                            if (type != null) {
                                ManifestModel.toModel(obj, type, where);
                            } else {
                                assertThat(ManifestModel.typeKey(obj))
                                        .as(where + ": patch of an unknown kind")
                                        .isIn(ManifestModel.KAFKA_TOPIC, ManifestModel.SCALED_OBJECT);
                            }
                        } else {
                            ManifestModel.validate(ManifestModel.map(doc, where), where);
                        }
                    }
                }));
    }

    @Test
    void everyFileUnderK8sIsUsedByAKustomizationOrIsATemplate() {
        Set<Path> used = new HashSet<>(DeployFiles.referencedFiles(DeployFiles.base()));
        DeployFiles.overlayDirs().forEach(d -> used.addAll(DeployFiles.referencedFiles(d)));
        Path templates = DeployFiles.k8s().resolve("templates").toAbsolutePath().normalize();
        List<String> orphans = new ArrayList<>();
        for (Path f : DeployFiles.k8sYamlFiles()) {
            Path abs = f.toAbsolutePath().normalize();
            if (!used.contains(abs) && !abs.startsWith(templates)) {
                orphans.add(DeployFiles.rel(f));
            }
        }
        assertThat(orphans)
                .as("YAML files under k8s/ that no kustomization references")
                .isEmpty();
    }

    @Test
    void templatesAreNotPartOfAnyOverlay() {
        Path templates = DeployFiles.k8s().resolve("templates").toAbsolutePath().normalize();
        for (Path overlay : DeployFiles.overlayDirs()) {
            assertThat(DeployFiles.referencedFiles(overlay))
                    .as(DeployFiles.rel(overlay))
                    .noneMatch(p -> p.startsWith(templates));
        }
    }

    // ---- the validator is strict ------------------------------------------------------------------------------

    @Test
    void rejectsAnUnknownFieldInABuiltInKind() {
        Map<String, Object> d = deployment();
        ManifestModel.map(d.get("spec"), "spec").put("replica", 2);
        assertThatThrownBy(() -> ManifestModel.validate(d, "test")).hasMessageContaining("replica");
    }

    @Test
    void rejectsAMisspelledContainerField() {
        Map<String, Object> d = deployment();
        Map<String, Object> c = firstContainer(d);
        c.put("imagePullPolicyy", "Always");
        assertThatThrownBy(() -> ManifestModel.validate(d, "test")).hasMessageContaining("imagePullPolicyy");
    }

    @Test
    void rejectsAStringWhereTheApiWantsANumber() {
        Map<String, Object> d = deployment();
        ManifestModel.map(d.get("spec"), "spec").put("replicas", "2");
        assertThatThrownBy(() -> ManifestModel.validate(d, "test")).isInstanceOf(AssertionError.class);
    }

    @Test
    void rejectsAnUnquotedNumberAsConfigMapValue() {
        Object cm = ManifestModel.readDocuments(
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  A: 1000\n", "t")
                .get(0);
        assertThatThrownBy(() -> ManifestModel.validate(ManifestModel.map(cm, "t"), "t"))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void readsYesAsABooleanLikeKubectl() {
        Object cm = ManifestModel.readDocuments(
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  A: yes\n", "t")
                .get(0);
        assertThatThrownBy(() -> ManifestModel.validate(ManifestModel.map(cm, "t"), "t"))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void rejectsDuplicateKeys() {
        assertThatThrownBy(() -> ManifestModel.readDocuments("a: 1\na: 2\n", "t"))
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void rejectsUnknownKindsAndApiVersions() {
        Map<String, Object> d = deployment();
        d.put("apiVersion", "extensions/v1beta1");
        assertThatThrownBy(() -> ManifestModel.validate(d, "test")).hasMessageContaining("not a kind");
    }

    @Test
    void rejectsAnUnknownKafkaTopicField() {
        Object t = ManifestModel.readDocuments(
                        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\n"
                                + "metadata: {name: t, labels: {strimzi.io/cluster: c}}\nspec: {partitions: 1, replicas: 1, retention: 5}\n",
                        "t")
                .get(0);
        assertThatThrownBy(() -> ManifestModel.validate(ManifestModel.map(t, "t"), "t"))
                .hasMessageContaining("retention");
    }

    @Test
    void rejectsAKafkaTopicWithoutItsClusterLabel() {
        Object t = ManifestModel.readDocuments(
                        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\n"
                                + "metadata: {name: t}\nspec: {partitions: 1, replicas: 1}\n",
                        "t")
                .get(0);
        assertThatThrownBy(() -> ManifestModel.validate(ManifestModel.map(t, "t"), "t"))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void rejectsAnUnknownKedaKafkaTriggerSetting() {
        Object s = ManifestModel.readDocuments(
                        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\n"
                                + "spec:\n  scaleTargetRef: {name: d}\n  triggers:\n  - type: kafka\n    metadata: {bootstrapServers: 'k:9092', "
                                + "consumerGroup: g, topic: t, lagTreshold: '5'}\n",
                        "t")
                .get(0);
        assertThatThrownBy(() -> ManifestModel.validate(ManifestModel.map(s, "t"), "t"))
                .hasMessageContaining("lagTreshold");
    }

    @Test
    void rejectsAnUnknownFieldInTheKedaHpaBehavior() {
        Object s = ManifestModel.readDocuments(
                        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\n"
                                + "spec:\n  scaleTargetRef: {name: d}\n  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n"
                                + "        scaleDown: {stabilisationWindowSeconds: 5}\n  triggers:\n  - type: kafka\n"
                                + "    metadata: {bootstrapServers: 'k:9092', consumerGroup: g, topic: t}\n",
                        "t")
                .get(0);
        assertThatThrownBy(() -> ManifestModel.validate(ManifestModel.map(s, "t"), "t"))
                .hasMessageContaining("stabilisationWindowSeconds");
    }

    @Test
    void acceptsTheProjectsDeployment() {
        Deployment d = ManifestModel.toModel(deployment(), Deployment.class, "base");
        assertThat(d.getSpec().getTemplate().getSpec().getContainers()).isNotEmpty();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static Map<String, Object> deployment() {
        return ManifestModel.readObjects(DeployFiles.base().resolve("deployment.yaml"))
                .get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstContainer(Map<String, Object> deployment) {
        Map<String, Object> spec = ManifestModel.map(deployment.get("spec"), "spec");
        Map<String, Object> template = ManifestModel.map(spec.get("template"), "template");
        Map<String, Object> podSpec = ManifestModel.map(template.get("spec"), "pod spec");
        return (Map<String, Object>)
                ManifestModel.list(podSpec.get("containers"), "containers").get(0);
    }

    private static void checkJsonPatchShape(List<Object> ops, String where) {
        assertThat(ops).as(where + " operations").isNotEmpty();
        for (Object o : ops) {
            Map<String, Object> op = ManifestModel.map(o, where + ": operation");
            assertThat(op.get("op")).as(where + ": op").isIn("add", "remove", "replace", "test");
            assertThat(op.get("path")).as(where + ": path").isInstanceOf(String.class);
            assertThat((String) op.get("path")).startsWith("/");
        }
    }

    /** Files that some kustomization under k8s/ uses as a patch. */
    private static Set<Path> patchFiles() {
        Set<Path> out = new LinkedHashSet<>();
        for (Path f : DeployFiles.k8sYamlFiles()) {
            if (!f.getFileName().toString().startsWith("kustomization.")) {
                continue;
            }
            Map<String, Object> k =
                    ManifestModel.map(ManifestModel.readDocuments(f).get(0), DeployFiles.rel(f));
            Object patches = k.get("patches");
            if (patches == null) {
                continue;
            }
            for (Object p : ManifestModel.list(patches, "patches")) {
                Object path = ManifestModel.map(p, "patch").get("path");
                if (path != null) {
                    Path resolved = f.getParent().resolve(path.toString()).normalize();
                    assertThat(Files.isRegularFile(resolved))
                            .as(DeployFiles.rel(f) + ": patch " + path + " exists")
                            .isTrue();
                    out.add(resolved);
                }
            }
        }
        return out;
    }
}
