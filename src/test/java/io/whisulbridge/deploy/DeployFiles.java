package io.whisulbridge.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Where the deployment files live, relative to the project root (the directory holding pom.xml and k8s/). */
final class DeployFiles {

    private DeployFiles() {}

    static Path root() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("k8s"))) {
                return p;
            }
        }
        throw new IllegalStateException("no project root (pom.xml next to k8s/) at or above " + dir);
    }

    static Path k8s() {
        return root().resolve("k8s");
    }

    static Path base() {
        return k8s().resolve("base");
    }

    static Path overlays() {
        return k8s().resolve("overlays");
    }

    static Path overlay(String name) {
        return overlays().resolve(name);
    }

    /** Every overlay directory (a directory under k8s/overlays holding a kustomization). */
    static List<Path> overlayDirs() {
        try (Stream<Path> s = Files.list(overlays())) {
            return s.filter(Files::isDirectory)
                    .filter(d -> kustomizationFile(d) != null)
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kustomization file of a directory, under any of the names kustomize accepts; null when there is none. */
    static Path kustomizationFile(Path dir) {
        for (String n : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            if (Files.isRegularFile(dir.resolve(n))) {
                return dir.resolve(n);
            }
        }
        return null;
    }

    /**
     * The local files a kustomization tree names: its kustomization files, its resources and components (followed
     * into directories) and its patch files. kubectl does the rendering; this only follows the names, for the
     * check that no file under k8s/ is left unused. A file named in any other field counts as unused until this
     * learns that field. Remote references fail here, since the overlays must render offline.
     */
    static Set<Path> referencedFiles(Path dir) {
        Set<Path> out = new LinkedHashSet<>();
        collectReferences(dir.toAbsolutePath().normalize(), out);
        return out;
    }

    private static void collectReferences(Path dir, Set<Path> out) {
        Path kfile = kustomizationFile(dir);
        if (kfile == null) {
            throw new AssertionError(rel(dir) + " has no kustomization file");
        }
        if (!out.add(kfile)) {
            return; // already followed (a directory two overlays share)
        }
        String where = rel(kfile);
        Map<String, Object> k =
                ManifestModel.map(ManifestModel.readDocuments(kfile).get(0), where);
        List<String> names = new ArrayList<>();
        for (String field : List.of("resources", "components")) {
            if (k.containsKey(field)) {
                ManifestModel.list(k.get(field), where + ": " + field).forEach(e -> names.add(String.valueOf(e)));
            }
        }
        if (k.containsKey("patches")) {
            for (Object patch : ManifestModel.list(k.get("patches"), where + ": patches")) {
                Object path = ManifestModel.map(patch, where + ": patch").get("path");
                if (path != null) {
                    names.add(path.toString());
                }
            }
        }
        for (String name : names) {
            if (name.contains("://") || name.startsWith("github.com/")) {
                throw new AssertionError(where + ": remote reference " + name + " (the overlays must render offline)");
            }
            Path p = dir.resolve(name).normalize();
            if (Files.isDirectory(p)) {
                collectReferences(p, out);
            } else {
                out.add(p);
            }
        }
    }

    /** Every .yaml / .yml file under k8s/. */
    static List<Path> k8sYamlFiles() {
        try (Stream<Path> s = Files.walk(k8s())) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".yaml")
                            || p.getFileName().toString().endsWith(".yml"))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String rel(Path p) {
        return root().relativize(p.toAbsolutePath().normalize()).toString();
    }
}
