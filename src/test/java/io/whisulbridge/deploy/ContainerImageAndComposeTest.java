package io.whisulbridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tests need no Docker, so the image and the Compose stack are checked statically here (deploy/image-check builds
 * the image and runs it for real): the Dockerfile copies the Quarkus fast-jar layout and runs as the user the
 * manifests expect; docker-compose.yml creates exactly the channels' topics and sets only variables the application
 * reads.
 */
class ContainerImageAndComposeTest {

    /** The fast-jar layout (target/quarkus-app) and where the Quarkus convention puts it. */
    private static final Map<String, String> FAST_JAR = Map.of(
            "target/quarkus-app/lib/", "/deployments/lib/",
            "target/quarkus-app/*.jar", "/deployments/",
            "target/quarkus-app/app/", "/deployments/app/",
            "target/quarkus-app/quarkus/", "/deployments/quarkus/");

    private static List<String[]> instructions;
    private static AppConfiguration app;

    @BeforeAll
    static void read() {
        instructions = new ArrayList<>();
        String text = DeployFiles.read(DeployFiles.root().resolve("src/main/docker/Dockerfile.jvm"));
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\\R")) {
            String l = line.strip();
            if (l.startsWith("#") || (l.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (l.endsWith("\\")) {
                current.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            current.append(l);
            String full = current.toString().strip();
            current.setLength(0);
            if (!full.isEmpty()) {
                String[] parts = full.split("\\s+", 2);
                instructions.add(new String[] {parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""});
            }
        }
        app = new AppConfiguration();
    }

    private static List<String> args(String instruction) {
        List<String> out = new ArrayList<>();
        instructions.stream().filter(i -> i[0].equals(instruction)).forEach(i -> out.add(i[1]));
        return out;
    }

    // ---- Dockerfile.jvm ------------------------------------------------------------------------------------------

    @Test
    void copiesTheFastJarLayoutToTheConventionalPlaces() {
        Map<String, String> copies = new LinkedHashMap<>();
        for (String a : args("COPY")) {
            assertThat(a)
                    .as("COPY leaves the files to root (no --chown to the runtime user)")
                    .doesNotContain("--chown");
            String[] parts = a.trim().split("\\s+");
            copies.put(parts[0], parts[parts.length - 1]);
        }
        assertThat(copies).isEqualTo(FAST_JAR);
        Path app = DeployFiles.root().resolve("target/quarkus-app");
        if (Files.isDirectory(app)) {
            // After ./mvnw package: the layout the Dockerfile copies is the one Quarkus produced.
            assertThat(app.resolve("quarkus-run.jar")).isRegularFile();
            assertThat(app.resolve("lib/main")).isDirectory();
            assertThat(app.resolve("app")).isDirectory();
            assertThat(app.resolve("quarkus")).isDirectory();
        }
    }

    @Test
    void runsTheQuarkusRunJarAsANonRootUser() {
        List<String> users = args("USER");
        assertThat(users).as("USER").isNotEmpty();
        String user = users.get(users.size() - 1).trim();
        assertThat(user)
                .as("a numeric uid, so Kubernetes can verify runAsNonRoot")
                .matches("[0-9]+");
        assertThat(Integer.parseInt(user)).isPositive();
        for (Rendered r : Rendered.baseAndOverlays()) {
            for (Deployment d : r.deployments()) {
                assertThat(d.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getSecurityContext()
                                .getRunAsUser())
                        .as(r + ": " + d.getMetadata().getName() + " runs as the image's user")
                        .isEqualTo(Long.parseLong(user));
            }
        }
        Map<String, String> env = env();
        assertThat(env).containsEntry("JAVA_APP_JAR", "/deployments/quarkus-run.jar");
        assertThat(env.get("JAVA_OPTS_APPEND")).contains("-Djava.io.tmpdir=/tmp");
        assertThat(args("ENTRYPOINT")).hasSize(1);
        assertThat(args("FROM")).hasSize(1);
        assertThat(baseImage())
                .as("the default base image: UBI's OpenJDK 17 runtime, a pinned tag")
                .matches("registry\\.access\\.redhat\\.com/ubi9/openjdk-17-runtime:[0-9][^ ]*");
    }

    /** FROM's image; a build argument there (deploy/image-check passes another base) resolves to its default. */
    private static String baseImage() {
        String from = args("FROM").get(0).trim();
        Matcher arg = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?").matcher(from);
        if (!arg.matches()) {
            return from;
        }
        for (String a : args("ARG")) {
            String[] kv = a.trim().split("=", 2);
            if (kv[0].equals(arg.group(1)) && kv.length == 2) {
                return kv[1];
            }
        }
        throw new AssertionError("FROM " + from + ": the build argument has no default");
    }

    @Test
    void exposesTheApplicationAndManagementPorts() {
        Set<String> exposed = new TreeSet<>();
        args("EXPOSE").forEach(a -> exposed.addAll(List.of(a.trim().split("\\s+"))));
        assertThat(exposed)
                .contains(String.valueOf(app.httpPort(Map.of())), String.valueOf(app.managementPort(Map.of())));
    }

    @Test
    void theEmulatorClasspathIsInTheImage() {
        Rendered dev = Rendered.of(DeployFiles.overlay("dev"));
        Container emulator = Rendered.container(dev.deployment("whisul-emulator"), "whisul-emulator");
        List<String> cmd = emulator.getCommand();
        String classpath = cmd.get(cmd.indexOf("-cp") + 1);
        for (String entry : classpath.split(":")) {
            String dir = entry.replaceAll("\\*$", "");
            assertThat(FAST_JAR.values())
                    .as("classpath entry " + entry + " lies in a copied directory")
                    .anySatisfy(dest -> assertThat(dir).startsWith(dest));
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern kv = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\\S+)");
        for (String a : args("ENV")) {
            Matcher m = kv.matcher(a);
            while (m.find()) {
                String v = m.group(2);
                if ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'"))) {
                    v = v.substring(1, v.length() - 1);
                }
                env.put(m.group(1), v);
            }
        }
        return env;
    }

    // ---- deploy/docker-compose.yml -------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() {
        Path file = DeployFiles.root().resolve("deploy/docker-compose.yml");
        List<Object> docs = ManifestModel.readDocuments(file);
        assertThat(docs).hasSize(1);
        return (Map<String, Object>) docs.get(0);
    }

    private static Map<String, Object> service(String name) {
        return ManifestModel.map(
                ManifestModel.map(compose().get("services"), "services").get(name), "service " + name);
    }

    /** The value Compose would use for "${VAR:-default}" with VAR unset. */
    private static String composeDefault(Object value) {
        String s = String.valueOf(value);
        Matcher m = Pattern.compile("\\$\\{[A-Z_]+:-([^}]*)}").matcher(s);
        return m.matches() ? m.group(1) : s;
    }

    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> out = new LinkedHashMap<>();
        ManifestModel.map(service.get("environment"), "environment").forEach((k, v) -> out.put(k, composeDefault(v)));
        return out;
    }

    @Test
    void composeHasKafkaInKraftModeTheTopicStepTheEmulatorAndTheBridge() {
        Map<String, Object> services = ManifestModel.map(compose().get("services"), "services");
        assertThat(services).containsOnlyKeys("kafka", "kafka-init", "whisul-emulator", "whisul-bridge");
        assertThat(environment(service("kafka")).get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
        assertThat(String.valueOf(service("kafka").get("image"))).startsWith("apache/kafka:");
    }

    @Test
    void composeCreatesExactlyTheChannelsTopics() {
        String script = String.valueOf(ManifestModel.list(service("kafka-init").get("command"), "command"));
        Set<String> created = new TreeSet<>();
        Matcher m = Pattern.compile("--topic\\s+(\\S+)").matcher(script);
        while (m.find()) {
            created.add(m.group(1));
        }
        Map<String, String> bridgeEnv = environment(service("whisul-bridge"));
        assertThat(created).isEqualTo(new TreeSet<>(app.channelTopics(bridgeEnv)));
        assertThat(script).contains("--if-not-exists");
        assertThat(environment(service("kafka"))).containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
    }

    @Test
    void composeBridgeReadsOnlyKnownVariablesAndReachesKafkaAndTheEmulator() {
        Map<String, Object> bridge = service("whisul-bridge");
        Map<String, String> env = environment(bridge);
        Set<String> unknown = new TreeSet<>(env.keySet());
        unknown.removeAll(app.knownEnvNames());
        assertThat(unknown).as("variables the application does not read").isEmpty();

        URI kafka = URI.create("kafka://" + env.get(AppConfiguration.KAFKA_BOOTSTRAP));
        assertThat(environment(service("kafka")).get("KAFKA_ADVERTISED_LISTENERS"))
                .as("the bootstrap address is an advertised listener")
                .contains("//" + kafka.getHost() + ":" + kafka.getPort());

        URI whisul = URI.create(env.get("WHISUL_BASE_URL"));
        Map<String, String> emulatorEnv = environment(service("whisul-emulator"));
        assertThat(whisul.getHost()).isEqualTo("whisul-emulator");
        assertThat(String.valueOf(whisul.getPort())).isEqualTo(emulatorEnv.get("WHISUL_EMULATOR_PORT"));
        assertThat(whisul.getPath()).isEqualTo("/api");
        assertThat(emulatorEnv).containsEntry("WHISUL_EMULATOR_HOST", "0.0.0.0");
        assertThat(emulatorEnv.get("WHISUL_EMULATOR_API_KEYS")).isEqualTo(env.get(AppConfiguration.API_KEY));

        Map<String, Object> dependsOn = ManifestModel.map(bridge.get("depends_on"), "depends_on");
        assertThat(ManifestModel.map(dependsOn.get("kafka-init"), "kafka-init").get("condition"))
                .isEqualTo("service_completed_successfully");
    }

    @Test
    void composeRunsTheImageHardenedAsInKubernetes() {
        Rendered base = Rendered.of(DeployFiles.base());
        String k8sImage = base.bridgeContainer().getImage();
        String user = args("USER").get(args("USER").size() - 1).trim();
        for (String name : List.of("whisul-bridge", "whisul-emulator")) {
            Map<String, Object> s = service(name);
            assertThat(s.get("image")).as(name + " image").isEqualTo(k8sImage);
            Map<String, Object> build = ManifestModel.map(s.get("build"), name + " build");
            assertThat(build.get("dockerfile")).isEqualTo("src/main/docker/Dockerfile.jvm");
            assertThat(Files.isRegularFile(DeployFiles.root()
                            .resolve("deploy")
                            .resolve(String.valueOf(build.get("context")))
                            .resolve(String.valueOf(build.get("dockerfile")))
                            .normalize()))
                    .as(name + ": build context")
                    .isTrue();
            assertThat(s.get("read_only")).as(name + " read_only").isEqualTo(Boolean.TRUE);
            assertThat(String.valueOf(s.get("tmpfs"))).contains("/tmp");
            assertThat(String.valueOf(s.get("user"))).isEqualTo(user);
            assertThat(ManifestModel.list(s.get("cap_drop"), "cap_drop")).containsExactly("ALL");
        }
        Map<String, Object> bridge = service("whisul-bridge");
        long grace = AppConfiguration.parseDuration(String.valueOf(bridge.get("stop_grace_period")))
                .getSeconds();
        assertThat(grace)
                .as("stop_grace_period above the shutdown timeout")
                .isGreaterThan(app.shutdownTimeout(environment(bridge)).getSeconds());
        Set<String> published = new LinkedHashSet<>();
        ManifestModel.list(bridge.get("ports"), "ports").forEach(p -> published.add(String.valueOf(p)));
        assertThat(published).anySatisfy(p -> assertThat(p).endsWith(":" + app.managementPort(environment(bridge))));
    }

    @Test
    void theComposeReadmeSaysItIsUntestedHere() {
        String readme = DeployFiles.read(DeployFiles.root().resolve("deploy/README.md"));
        assertThat(readme).containsIgnoringCase("untested").contains("docker compose -f deploy/docker-compose.yml up");
    }
}
