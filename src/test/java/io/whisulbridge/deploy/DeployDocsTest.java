package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/kubernetes.md ("Deploy to Kubernetes") names what the manifests actually contain. */
class DeployDocsTest {

    private static String doc() {
        return DeployFiles.read(DeployFiles.root().resolve("docs/kubernetes.md"));
    }

    @Test
    void documentsHowToApplyEveryOverlayAndInWhichNamespace() {
        String doc = doc();
        assertThat(doc).contains("Deploy to Kubernetes");
        for (Path dir : DeployFiles.overlayDirs()) {
            String name = dir.getFileName().toString();
            assertThat(doc)
                    .as("docs/kubernetes.md applies overlay " + name)
                    .contains("kubectl apply -k k8s/overlays/" + name);
            Rendered r = Rendered.of(dir);
            String ns = r.typed(r.ofKind("Namespace").get(0), Namespace.class)
                    .getMetadata()
                    .getName();
            assertThat(doc).as("docs/kubernetes.md names namespace " + ns).contains(ns);
        }
    }

    @Test
    void documentsTheSecretWithTheNamesTheDeploymentReads() {
        String doc = doc();
        assertThat(doc)
                .contains("create secret generic " + Rendered.API_KEY_SECRET)
                .contains("--from-literal=" + AppConfiguration.API_KEY + "=");
    }

    @Test
    void documentsThePrerequisitesAndTheHealthChecks() {
        String doc = doc();
        AppConfiguration app = new AppConfiguration();
        assertThat(doc)
                .contains("Strimzi", "KEDA", "### Prerequisites", "### Check health", "### Build and push the image");
        app.healthPaths(java.util.Map.of())
                .values()
                .forEach(p -> assertThat(doc).contains(p));
        assertThat(doc).contains(String.valueOf(app.managementPort(java.util.Map.of())));
        assertThat(doc).contains("docker build -f src/main/docker/Dockerfile.jvm");
    }
}
