package io.whisulbridge.cli;

import io.whisulbridge.config.TopicSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Waits for a Kafka cluster to answer, then creates the bridge's topics where they are missing: prompts, songs,
 * failures, dead letters and the job ledger. Idempotent.
 * Used by {@code ./run-local}; topic names come from the bridge's {@code BRIDGE_TOPICS_*} variables.
 *
 * <pre>
 * java -cp ... io.whisulbridge.cli.TopicSetup [--bootstrap=HOST:PORT] [--wait=60s] [--replication-factor=1|default]
 *                                             [--best-effort]
 * </pre>
 *
 * Exit codes: 0 topics present, 1 the cluster did not answer in time or a topic could not be created, 2 bad usage.
 * With {@code --best-effort} (a cluster run-local did not start) a topic that cannot be created is only a warning.
 */
public final class TopicSetup {

    /** Partitions per topic for a local run: a few consumers' worth of parallelism on prompts, fewer elsewhere. */
    public static final int PROMPT_PARTITIONS = 6;

    public static final int OUTCOME_PARTITIONS = 3;

    private static final String WEEK_MS = "604800000";
    private static final String TWO_WEEKS_MS = "1209600000";

    private TopicSetup() {}

    public static void main(String[] argv) {
        CliSupport.Args args;
        Duration wait;
        Optional<Short> replication;
        try {
            args = CliSupport.Args.parse(
                    argv, List.of("bootstrap", "wait", "replication-factor"), List.of("best-effort", "help"));
            if (args.flag("help")) {
                System.out.println("Usage: TopicSetup [--bootstrap=HOST:PORT] [--wait=60s] "
                        + "[--replication-factor=1|default] [--best-effort]");
                return;
            }
            if (!args.positional.isEmpty()) {
                throw new IllegalArgumentException("unexpected argument " + args.positional.get(0));
            }
            wait = CliSupport.duration(args.get("wait", "60s"));
            String rf = args.get("replication-factor", "1");
            replication = rf.equals("default") ? Optional.empty() : Optional.of(Short.parseShort(rf));
        } catch (IllegalArgumentException e) {
            System.err.println("TopicSetup: " + e.getMessage());
            System.exit(CliSupport.EXIT_SETUP);
            return;
        }
        String bootstrap = args.get("bootstrap", CliSupport.defaultBootstrap());
        System.exit(
                run(bootstrap, wait, replication, args.flag("best-effort"), TopicSet.fromEnvironment(System.getenv())));
    }

    static Map<String, NewTopic> wanted(TopicSet topics, Optional<Short> replication) {
        Map<String, String> kept = Map.of("cleanup.policy", "delete", "retention.ms", WEEK_MS);
        // Outcomes and ledger entries are keyed by request id: a duplicate after a crash compacts away. The bridge
        // would create the ledger itself on first assignment; creating it here keeps a local run like a managed
        // cluster.
        Map<String, String> compacted = Map.of("cleanup.policy", "compact,delete", "retention.ms", WEEK_MS);
        Map<String, Map<String, String>> configs = Map.of(
                topics.prompts(),
                kept,
                topics.songs(),
                compacted,
                topics.failures(),
                compacted,
                topics.ledger(),
                compacted,
                topics.deadLetter(),
                Map.of("cleanup.policy", "delete", "retention.ms", TWO_WEEKS_MS),
                topics.webhookRetry(),
                kept,
                topics.webhookExhausted(),
                Map.of("cleanup.policy", "delete", "retention.ms", TWO_WEEKS_MS));
        Map<String, NewTopic> wanted = new LinkedHashMap<>();
        topics.partitions(PROMPT_PARTITIONS, OUTCOME_PARTITIONS)
                .forEach((name, partitions) -> wanted.put(
                        name, new NewTopic(name, Optional.of(partitions), replication).configs(configs.get(name))));
        return wanted;
    }

    public static int run(
            String bootstrap, Duration wait, Optional<Short> replication, boolean bestEffort, TopicSet topics) {
        long deadline = System.nanoTime() + wait.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG, "run-local-topic-setup",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        try (Admin admin = Admin.create(config)) {
            Collection<Node> nodes = awaitCluster(admin, deadline);
            if (nodes == null) {
                System.err.println("Kafka at " + bootstrap + " did not answer within " + CliSupport.seconds(wait));
                return 1;
            }
            System.out.println("Kafka at " + bootstrap + " is up: " + nodes.size() + " broker(s)");
            return createMissing(admin, wanted(topics, replication), deadline, bestEffort);
        }
    }

    private static Collection<Node> awaitCluster(Admin admin, long deadline) {
        while (System.nanoTime() < deadline) {
            try {
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                        .nodes()
                        .get(3, TimeUnit.SECONDS);
                if (!nodes.isEmpty()) {
                    return nodes;
                }
            } catch (Exception notYet) {
                // not up yet: retry until the deadline
            }
            sleep(250);
        }
        return null;
    }

    private static int createMissing(Admin admin, Map<String, NewTopic> wanted, long deadline, boolean bestEffort) {
        Map<String, NewTopic> missing = new LinkedHashMap<>(wanted);
        Map<String, String> report = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        while (true) {
            errors.clear();
            for (Map.Entry<String, TopicDescription> existing :
                    describe(admin, missing.keySet()).entrySet()) {
                report.put(existing.getKey(), existing.getValue().partitions().size() + " partitions, existed");
                missing.remove(existing.getKey());
            }
            if (missing.isEmpty()) {
                break;
            }
            var result = admin.createTopics(missing.values(), new CreateTopicsOptions().timeoutMs(10000));
            List<String> created = new ArrayList<>();
            for (Map.Entry<String, NewTopic> topic : missing.entrySet()) {
                try {
                    result.values().get(topic.getKey()).get(15, TimeUnit.SECONDS);
                    created.add(topic.getKey());
                    report.put(topic.getKey(), topic.getValue().numPartitions() + " partitions, created");
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        created.add(topic.getKey());
                        report.put(topic.getKey(), "existed");
                    } else {
                        errors.put(topic.getKey(), describeError(e.getCause()));
                        if (!(e.getCause() instanceof RetriableException) && !bestEffort) {
                            deadline = Math.min(deadline, System.nanoTime());
                        }
                    }
                } catch (Exception e) {
                    errors.put(topic.getKey(), describeError(e));
                }
            }
            created.forEach(missing::remove);
            if (missing.isEmpty() || System.nanoTime() >= deadline || bestEffort) {
                break;
            }
            sleep(500);
        }
        report.forEach((name, what) -> System.out.println("  topic " + name + ": " + what));
        errors.forEach((name, error) -> System.err.println(
                (bestEffort ? "  warning: " : "  ") + "could not create topic " + name + ": " + error));
        return errors.isEmpty() || bestEffort ? 0 : 1;
    }

    private static Map<String, TopicDescription> describe(Admin admin, Collection<String> names) {
        Map<String, TopicDescription> found = new LinkedHashMap<>();
        var futures = admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(5000))
                .topicNameValues();
        futures.forEach((name, future) -> {
            try {
                found.put(name, future.get(10, TimeUnit.SECONDS));
            } catch (Exception unknownOrUnreadable) {
                // missing (UnknownTopicOrPartitionException) or unreadable: createTopics reports any real problem
            }
        });
        return found;
    }

    private static String describeError(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
