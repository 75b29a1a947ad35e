package io.whisulbridge.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a kustomization with {@code kubectl kustomize <dir>} (offline: no cluster is contacted), so the deploy
 * tests check exactly what {@code kubectl apply -k} would send, and checks every rendered object against the
 * Kubernetes model. kubectl comes with this project's machine images, CI's included, so a missing kubectl fails the
 * tests with what to install instead of skipping them: a skipped check reads like a passing one.
 */
final class KubectlKustomize {

    static final String REQUIRED = "kubectl (with kustomize v4+, i.e. kubectl 1.21 or later) is required to render "
            + "the k8s/ overlays in the tests: install kubectl (https://kubernetes.io/docs/tasks/tools/) and put it on PATH";

    /** kubectl answers in about 100 ms; the bound is for a wedged process on a busy CI machine, not for speed. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)");

    /** Outcome of one kubectl run per kustomization directory, failures included so a broken overlay costs one run. */
    private static final Map<Path, Outcome> RENDERS = new ConcurrentHashMap<>();

    private static final AtomicInteger RUNS = new AtomicInteger();

    private static Path kubectl;
    private static String kubectlProblem;

    private KubectlKustomize() {}

    private record Outcome(String yaml, String failure) {}

    /** The objects kubectl renders from the kustomization in {@code dir}, each one valid in the Kubernetes model. */
    static List<Map<String, Object>> objects(Path dir) {
        String where = "kubectl kustomize " + DeployFiles.rel(dir);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object doc : ManifestModel.readDocuments(render(dir), where)) {
            Map<String, Object> obj = ManifestModel.map(doc, where + ": a rendered document");
            Object metadata = obj.get("metadata");
            Object name = metadata instanceof Map ? ((Map<?, ?>) metadata).get("name") : null;
            ManifestModel.validate(obj, where + ": " + obj.get("kind") + " " + name);
            out.add(obj);
        }
        return out;
    }

    /** kubectl's YAML output for the kustomization in {@code dir}, run once per directory and test JVM. */
    static String render(Path dir) {
        Outcome o = RENDERS.computeIfAbsent(dir.toAbsolutePath().normalize(), KubectlKustomize::runKustomize);
        if (o.failure() != null) {
            throw new AssertionError(o.failure());
        }
        return o.yaml();
    }

    /** How many times kubectl kustomize has run in this JVM (the cache's test). */
    static int runs() {
        return RUNS.get();
    }

    private static Outcome runKustomize(Path dir) {
        try {
            List<String> command = List.of(kubectl().toString(), "kustomize", dir.toString());
            RUNS.incrementAndGet();
            return new Outcome(run(command), null);
        } catch (AssertionError e) {
            return new Outcome(null, e.getMessage());
        }
    }

    /** The kubectl on this JVM's PATH, its kustomize checked once; fails saying what to install. */
    static synchronized Path kubectl() {
        if (kubectl == null && kubectlProblem == null) {
            try {
                Path found = locate(System.getenv("PATH"));
                Integer major = kustomizeMajor(run(List.of(found.toString(), "version", "--client")));
                if (major != null && major < 4) {
                    throw new AssertionError(found + " bundles kustomize v" + major + ", which lacks the 'patches' "
                            + "field the overlays use. " + REQUIRED);
                }
                kubectl = found;
            } catch (AssertionError e) {
                kubectlProblem = e.getMessage();
            }
        }
        if (kubectlProblem != null) {
            throw new AssertionError(kubectlProblem);
        }
        return kubectl;
    }

    /** The kubectl executable on the given PATH value, or an AssertionError saying what to install. */
    static Path locate(String pathEnv) {
        Path p = onPath("kubectl", pathEnv);
        if (p == null) {
            throw new AssertionError("kubectl not found on PATH (" + pathEnv + "). " + REQUIRED);
        }
        return p;
    }

    static Path onPath(String name, String pathEnv) {
        if (pathEnv == null) {
            return null;
        }
        for (String dir : pathEnv.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue; // a shell reads an empty entry as the working directory; a test should not depend on that
            }
            try {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            } catch (InvalidPathException e) {
                // not a directory name on this platform: not where kubectl is
            }
        }
        return null;
    }

    /**
     * The kustomize major version in {@code kubectl version --client} output, or null where kubectl does not print
     * one (before 1.24); then rendering itself tells, with kubectl's error.
     */
    static Integer kustomizeMajor(String versionOutput) {
        Matcher m = KUSTOMIZE_VERSION.matcher(versionOutput);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    /** Runs a command to completion within the bound; its stdout, or an AssertionError carrying its stderr. */
    private static String run(List<String> command) {
        String shown = String.join(" ", command);
        Path out = null;
        Path err = null;
        try {
            // Files rather than pipes: a process filling an unread pipe would stall until the timeout.
            out = Files.createTempFile("kubectl", ".out");
            err = Files.createTempFile("kubectl", ".err");
            Process p = new ProcessBuilder(command)
                    .directory(DeployFiles.root().toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(shown + " did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(shown + " failed (exit " + p.exitValue() + "):\n"
                        + Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(shown + " could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(shown + " interrupted", e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a leftover temp file is not worth failing a test over
            }
        }
    }
}
