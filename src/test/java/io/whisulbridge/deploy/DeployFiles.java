package io.whisulbridge.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Where the deployment files live, relative to the project root (the directory holding pom.xml and k8s/). */
final class DeployFiles {

    private DeployFiles() {
    }

    static Path root() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
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
                    .filter(d -> MiniKustomize.kustomizationFile(d) != null)
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every .yaml / .yml file under k8s/. */
    static List<Path> k8sYamlFiles() {
        try (Stream<Path> s = Files.walk(k8s())) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".yaml") || p.getFileName().toString().endsWith(".yml"))
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
