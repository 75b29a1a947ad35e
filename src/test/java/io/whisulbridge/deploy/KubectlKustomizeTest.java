package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubectl the deploy tests render with: its absence fails with what to install (tested on a PATH without it,
 * since the machine's own kubectl must stay), kubectl's own error reaches the failure message, and each
 * kustomization is rendered once per JVM.
 */
class KubectlKustomizeTest {

    @Test
    void aPathWithoutKubectlFailsSayingWhatToInstall(@TempDir Path emptyDir) {
        for (String path : new String[] {"", emptyDir.toString(), null}) {
            assertThatThrownBy(() -> KubectlKustomize.locate(path))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("kubectl (with kustomize v4+")
                    .hasMessageContaining("is required")
                    .hasMessageContaining("install kubectl");
        }
    }

    @Test
    void findsTheFirstExecutableKubectlOnThePath(@TempDir Path tmp) throws Exception {
        Path notExecutable = Files.createDirectory(tmp.resolve("a"));
        Files.writeString(notExecutable.resolve("kubectl"), "");
        Path executable = Files.createDirectory(tmp.resolve("b"));
        Path kubectl = Files.writeString(executable.resolve("kubectl"), "#!/bin/sh\n");
        assertThat(kubectl.toFile().setExecutable(true)).isTrue();
        String path = String.join(File.pathSeparator, "", notExecutable.toString(), executable.toString());
        assertThat(KubectlKustomize.locate(path)).isEqualTo(kubectl);
    }

    @Test
    void readsTheKustomizeVersionKubectlReports() {
        assertThat(KubectlKustomize.kustomizeMajor("Client Version: v1.32.4\nKustomize Version: v5.5.0\n"))
                .isEqualTo(5);
        assertThat(KubectlKustomize.kustomizeMajor("Client Version: v1.20.0\nKustomize Version: v2.0.3\n"))
                .isEqualTo(2);
        assertThat(KubectlKustomize.kustomizeMajor("Client Version: v1.22.0\n"))
                .as("kubectl before 1.24")
                .isNull();
    }

    @Test
    void thisMachinesKubectlBundlesKustomizeV4OrLater() {
        assertThat(KubectlKustomize.kubectl()).isNotNull();
    }

    @Test
    void aKustomizationKubectlRejectsFailsWithKubectlsError(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("kustomization.yaml"),
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - no-such-file.yaml\n");
        assertThatThrownBy(() -> KubectlKustomize.render(dir))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("kustomize " + dir)
                .hasMessageContaining("failed")
                .hasMessageContaining("no-such-file.yaml");
    }

    @Test
    void rendersEachKustomizationOncePerJvm() {
        Path dev = DeployFiles.overlay("dev");
        String first = KubectlKustomize.render(dev);
        int runs = KubectlKustomize.runs();
        Rendered.of(dev);
        assertThat(KubectlKustomize.render(dev)).isSameAs(first);
        assertThat(KubectlKustomize.runs()).isEqualTo(runs);
    }
}
