package io.whisulbridge.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where kubectl (with kustomize v4 or later) is installed, renders every overlay with {@code kubectl kustomize}
 * (offline: no cluster needed), checks its output against the Kubernetes model, and checks that MiniKustomize,
 * which the other tests rely on, renders exactly the same objects. Skipped where kubectl is absent: the other
 * tests do not need it.
 */
class KubectlKustomizeTest {

    private static Path kubectl;

    @BeforeAll
    static void findKubectl() throws Exception {
        kubectl = onPath("kubectl");
        Assumptions.assumeTrue(kubectl != null, "kubectl is not installed: skipped (MiniKustomize renders the overlays)");
        String version = run(List.of(kubectl.toString(), "version", "--client"), 30);
        Matcher m = Pattern.compile("Kustomize Version: v([0-9]+)").matcher(version);
        Assumptions.assumeTrue(m.find() && Integer.parseInt(m.group(1)) >= 4,
                "kubectl's kustomize is older than v4 (no 'patches' field): skipped. " + version.strip());
    }

    @TestFactory
    Stream<DynamicTest> kubectlRendersEveryOverlayAsMiniKustomizeDoes() {
        return DeployFiles.overlayDirs().stream().map(dir -> DynamicTest.dynamicTest(DeployFiles.rel(dir), () -> {
            String yaml = run(List.of(kubectl.toString(), "kustomize", dir.toString()), 120);
            Map<String, Object> fromKubectl = new TreeMap<>();
            for (Object doc : ManifestModel.readDocuments(yaml, "kubectl kustomize " + DeployFiles.rel(dir))) {
                Map<String, Object> obj = ManifestModel.map(doc, "rendered object");
                ManifestModel.validate(obj, "kubectl kustomize " + DeployFiles.rel(dir) + ": " + obj.get("kind"));
                fromKubectl.put(new MiniKustomize.Resource(obj, "kubectl").id(), normalise(obj));
            }
            Map<String, Object> fromMini = new TreeMap<>();
            for (MiniKustomize.Resource r : new MiniKustomize().build(dir)) {
                fromMini.put(r.id(), normalise(r.object));
            }
            assertThat(fromMini.keySet()).as(DeployFiles.rel(dir) + ": same resources").isEqualTo(fromKubectl.keySet());
            for (String id : fromKubectl.keySet()) {
                assertThat(fromMini.get(id)).as(DeployFiles.rel(dir) + ": " + id).isEqualTo(fromKubectl.get(id));
            }
        }));
    }

    /** Numbers compared by value, whatever their Java type. */
    @SuppressWarnings("unchecked")
    private static Object normalise(Object o) {
        if (o instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) o).forEach((k, v) -> out.put(k, normalise(v)));
            return out;
        }
        if (o instanceof List) {
            List<Object> out = new ArrayList<>();
            ((List<Object>) o).forEach(v -> out.add(normalise(v)));
            return out;
        }
        if (o instanceof Number) {
            return new java.math.BigDecimal(o.toString()).stripTrailingZeros().toPlainString();
        }
        return o;
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("kubectl", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
