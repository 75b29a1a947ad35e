package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Prometheus rules file the repository ships passes {@code promtool check rules}: the rules under
 * deploy/prometheus/, and any under k8s/ (a PrometheusRule's spec, or a plain rules file). The PromQL is parsed by
 * Prometheus's own parser, so a query that would not load fails here, not in someone's Prometheus. Which metrics the
 * rules name is MetricsIT's concern. promtool comes from Debian's package; {@code .ci/run} installs it when missing,
 * and elsewhere a missing promtool fails the test saying what to install (a skipped check reads like a passing one).
 */
class PrometheusRulesTest {

    static final String REQUIRED = "promtool is required to check the Prometheus rules: apt-get install prometheus "
            + "(Debian's package; .ci/run installs it when missing)";

    @TestFactory
    Stream<DynamicTest> everyRulesFilePassesPromtool(@TempDir Path extracted) {
        List<Path> files = rulesFiles(extracted);
        assertThat(files).as("rules files under deploy/prometheus/").isNotEmpty();
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(DeployFiles.rel(file), () -> {
                    Result check = promtool("check", "rules", file.toString());
                    assertThat(check.exitCode())
                            .as("promtool check rules " + file + ":\n" + check.output())
                            .isZero();
                    assertThat(check.output()).contains("SUCCESS");
                }));
    }

    /** The harness reads promtool's verdict, not just that it ran: a rule Prometheus cannot parse fails. */
    @Test
    void promtoolRejectsARuleThatPrometheusCannotParse(@TempDir Path dir) throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.yaml"), """
                groups:
                  - name: broken
                    rules:
                      - alert: Unclosed
                        expr: rate(whisul_bridge_outcomes_total[5m] > 0
                """);

        Result check = promtool("check", "rules", broken.toString());

        assertThat(check.exitCode()).as(check.output()).isNotZero();
        assertThat(check.output()).contains("Unclosed").doesNotContain("SUCCESS");
    }

    /** deploy/prometheus/*.yaml, plus what k8s/ holds: PrometheusRule specs (written out) and plain rules files. */
    private static List<Path> rulesFiles(Path extracted) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> deploy = Files.list(DeployFiles.root().resolve("deploy/prometheus"))) {
            deploy.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .forEach(out::add);
            for (Path file : DeployFiles.k8sYamlFiles()) {
                List<Object> docs = ManifestModel.readDocuments(file);
                for (int i = 0; i < docs.size(); i++) {
                    if (!(docs.get(i) instanceof Map<?, ?> doc)) {
                        continue;
                    }
                    if ("PrometheusRule".equals(doc.get("kind")) && doc.get("spec") instanceof Map<?, ?> spec) {
                        // JSON is YAML, so the spec written as JSON is a rules file promtool reads
                        Path specFile = extracted.resolve(file.getFileName() + "-" + i + ".json");
                        ManifestModel.MAPPER.writeValue(specFile.toFile(), spec);
                        out.add(specFile);
                    } else if (doc.containsKey("groups") && !doc.containsKey("kind")) {
                        out.add(file);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private record Result(int exitCode, String output) {}

    private static Result promtool(String... args) {
        Path promtool = KubectlKustomize.onPath("promtool", System.getenv("PATH"));
        if (promtool == null) {
            throw new AssertionError("promtool not found on PATH. " + REQUIRED);
        }
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // promtool answers in milliseconds; the bound is for a wedged process on a busy machine
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }
}
