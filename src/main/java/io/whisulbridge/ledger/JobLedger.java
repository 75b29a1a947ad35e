package io.whisulbridge.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.KafkaConnection;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.fencing.FencedWriter;
import io.whisulbridge.polling.Job;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The durable job ledger: a compacted topic keyed by request id, written to the same partition number as the prompt
 * record, so whoever owns prompt partition p owns the ledger entries of p and replays them on assignment.
 */
@ApplicationScoped
public class JobLedger {

    private static final Logger LOG = Logger.getLogger(JobLedger.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    // one attempt; a partition whose replay fails is retried off the poll thread and not taken meanwhile
    private static final Duration REPLAY_TIMEOUT = Duration.ofSeconds(60);
    // every blocking client call is bounded by this, not by the clients' 60 s default.api.timeout.ms
    private static final Duration CLIENT_CALL_TIMEOUT = Duration.ofSeconds(10);
    // compaction only touches closed segments: roll hourly so a ledger replay reads one entry per request
    private static final Duration SEGMENT = Duration.ofHours(1);

    private final FencedWriter writer;
    private final Map<String, Object> kafka;
    private final String topic;
    private final BridgeConfig.Ledger settings;
    private final String checkpointGroup;
    /** Per ledger partition, the offset past the last entry this process wrote or read. */
    private final Map<Integer, Long> knownEnd = new ConcurrentHashMap<>();

    private KafkaConsumer<String, String> checkpoints;
    private volatile int checkedPartitions;

    public JobLedger(
            FencedWriter writer, @Identifier("default-kafka-broker") Map<String, Object> kafka, BridgeConfig config) {
        this.writer = writer;
        this.kafka = kafka;
        this.topic = config.bridge().topics().ledger();
        this.settings = config.bridge().ledger();
        this.checkpointGroup = config.bridge().consumerGroup() + "-ledger-checkpoints";
    }

    /** Before the first submit: from here on the ledger, not the prompt record, remembers the request. */
    public Uni<Void> recordIntent(Job job) {
        return recordPrompt(job, LedgerEntry.State.INTENT);
    }

    /**
     * Before a prompt that must wait for its fair turn is acknowledged: the read-ahead queue survives a crash or a
     * rebalance in the ledger, and a QUEUED entry (unlike an INTENT) says Whisul has not seen the prompt.
     */
    public Uni<Void> recordQueued(Job job) {
        return recordPrompt(job, LedgerEntry.State.QUEUED);
    }

    private Uni<Void> recordPrompt(Job job, LedgerEntry.State state) {
        return recordPrompt(job, state, null, null);
    }

    public Uni<Void> recordSubmitted(Job job) {
        return recordPrompt(
                job, LedgerEntry.State.SUBMITTED, job.jobId(), job.acceptedAt().toString());
    }

    /** An entry that carries the prompt, so that a new owner can carry the request on from it alone. */
    private Uni<Void> recordPrompt(Job job, LedgerEntry.State state, String jobId, String acceptedAt) {
        PromptEvent event = job.event();
        return write(
                job,
                new LedgerEntry(
                        event.requestId(),
                        state,
                        jobId,
                        event.prompt(),
                        event.metadata(),
                        event.traceparent(),
                        acceptedAt,
                        null,
                        Instant.now().toString(),
                        null,
                        null,
                        null,
                        null,
                        event.callbackUrl(),
                        event.tenant()));
    }

    /** Before publishing: a resumed job republishes exactly this value, so repeats of an outcome are identical. */
    public Uni<Void> recordDecided(Job job, Job.RecordedOutcome outcome) {
        return write(
                job,
                new LedgerEntry(
                        job.requestId(),
                        LedgerEntry.State.DECIDED,
                        job.jobId(),
                        null,
                        null,
                        null,
                        null,
                        outcome.name(),
                        Instant.now().toString(),
                        outcome.song() ? LedgerEntry.OutcomeTopic.SONGS : LedgerEntry.OutcomeTopic.FAILURES,
                        outcome.value(),
                        outcome.traceparent(),
                        outcome.decidedAt().toString(),
                        null,
                        job.event().tenant()));
    }

    public Uni<Void> recordDone(Job job) {
        return write(
                job,
                new LedgerEntry(
                        job.requestId(),
                        LedgerEntry.State.DONE,
                        job.jobId(),
                        null,
                        null,
                        null,
                        null,
                        job.outcomeName(),
                        Instant.now().toString(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));
    }

    /**
     * A fenced write (see {@link FencedWriter}). A refused one fails, and the job's step is retried by its owner or
     * stops with the hand-over; a broker that cannot take it fails it too, and the step waits and tries again.
     */
    private Uni<Void> write(Job job, LedgerEntry entry) {
        return Uni.createFrom()
                .item(() -> serialise(entry))
                .chain(value ->
                        writer.write(job.partition(), topic, job.partition(), entry.requestId(), value, List.of()))
                .invoke(written -> noteWritten(job, written))
                .replaceWithVoid();
    }

    private static String serialise(LedgerEntry entry) {
        try {
            return JSON.writeValueAsString(entry);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the ledger entry of request " + entry.requestId(), e);
        }
    }

    /** The job's first offset before the partition's end: a checkpoint read in between still covers the job. */
    private void noteWritten(Job job, RecordMetadata written) {
        if (written == null || !written.hasOffset()) {
            return;
        }
        job.ledgerOffsetWritten(written.offset());
        knownEnd.merge(job.partition(), written.offset() + 1, Math::max);
    }

    /**
     * Where a replay of each owned partition may start without missing an open job: the first ledger offset of the
     * oldest open job of the partition here, or its end as far as this process knows when none is open. A partition
     * with neither, or with a job past ADMITTED whose first entry is unknown, keeps its last checkpoint (absent).
     */
    public Map<Integer, Long> replayStarts(Collection<Integer> owned, Collection<Job> open) {
        Map<Integer, Long> starts = new HashMap<>();
        owned.forEach(partition -> {
            Long end = knownEnd.get(partition); // read before the jobs: a job written after this is past it anyway
            if (end != null) {
                starts.put(partition, end);
            }
        });
        Set<Integer> unknown = new HashSet<>();
        for (Job job : open) {
            int partition = job.partition();
            long first = job.firstLedgerOffset();
            if (!owned.contains(partition)) {
                continue;
            }
            if (first >= 0) {
                starts.merge(partition, first, Math::min);
            } else if (job.state() != Job.State.ADMITTED) {
                unknown.add(partition);
            }
        }
        unknown.forEach(starts::remove);
        return starts;
    }

    /**
     * Commits, per partition, the offset from which the next replay must read, as the committed offset of the
     * ledger's own consumer group: Kafka keeps it, and a replay then reads the open work plus a bounded window of
     * finished requests (for duplicates), not the whole retention. Called from one thread only.
     */
    public void checkpoint(Map<Integer, Long> starts) {
        if (starts.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        starts.forEach((partition, offset) ->
                offsets.put(new TopicPartition(topic, partition), new OffsetAndMetadata(offset)));
        if (checkpoints == null) {
            checkpoints = new KafkaConsumer<>(checkpointConfig());
        }
        checkpoints.commitSync(offsets, CLIENT_CALL_TIMEOUT);
    }

    public void closeCheckpoints() {
        if (checkpoints != null) {
            checkpoints.close(CloseOptions.timeout(CLIENT_CALL_TIMEOUT));
        }
    }

    /** What a partition's ledger holds: the requests not yet done, and how many entries were read. */
    public record Replay(Collection<OpenEntry> open, long entriesRead, Duration took) {}

    /** A request not yet done, with the offset of its first entry in what was read. */
    public record OpenEntry(LedgerEntry entry, long firstOffset) {}

    /** The ledger partition could not be read to its end: the partition must not be taken. */
    public static final class LedgerUnreadableException extends RuntimeException {
        public LedgerUnreadableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads partition p of the ledger from its start to the end offset it had when the read began. Only requests
     * not yet done are kept; each done one goes to {@code finished} as it streams by, so the heap holds the open
     * work, not the retention. Blocking: called on the replay thread, never on the Kafka poll thread. Fails closed:
     * anything short of the end throws {@link LedgerUnreadableException}.
     */
    public Replay replay(int partition, Consumer<LedgerEntry> finished) {
        Instant started = Instant.now();
        Instant giveUp = started.plus(REPLAY_TIMEOUT);
        TopicPartition ledgerPartition = new TopicPartition(topic, partition);
        Map<String, LedgerEntry> open = new LinkedHashMap<>();
        Map<String, Long> firstOffsets = new HashMap<>();
        long read = 0;
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(readerConfig())) {
            reader.assign(List.of(ledgerPartition));
            long begin = reader.beginningOffsets(List.of(ledgerPartition), CLIENT_CALL_TIMEOUT)
                    .get(ledgerPartition);
            long end = reader.endOffsets(List.of(ledgerPartition), CLIENT_CALL_TIMEOUT)
                    .get(ledgerPartition);
            OffsetAndMetadata checkpoint = reader.committed(Set.of(ledgerPartition), CLIENT_CALL_TIMEOUT)
                    .get(ledgerPartition);
            // the open work starts at the checkpoint; the window before it restores the recently finished requests
            long start =
                    checkpoint == null ? begin : Math.max(begin, checkpoint.offset() - settings.rememberedRequests());
            reader.seek(ledgerPartition, start);
            knownEnd.merge(partition, end, Math::max);
            while (reader.position(ledgerPartition, CLIENT_CALL_TIMEOUT) < end) {
                if (Instant.now().isAfter(giveUp)) {
                    throw new LedgerUnreadableException(
                            "ledger partition " + partition + " not read to its end within " + REPLAY_TIMEOUT + " ("
                                    + read + " entries read)",
                            null);
                }
                for (ConsumerRecord<String, String> record : reader.poll(Duration.ofMillis(500))) {
                    if (record.offset() < end) {
                        apply(open, firstOffsets, record, finished);
                        read++;
                    }
                }
            }
        } catch (LedgerUnreadableException e) {
            throw e;
        } catch (RuntimeException brokerTrouble) {
            throw new LedgerUnreadableException(
                    "ledger partition " + partition + " could not be read: " + brokerTrouble.getMessage(),
                    brokerTrouble);
        }
        List<OpenEntry> openEntries = open.values().stream()
                .map(entry -> new OpenEntry(entry, firstOffsets.get(entry.requestId())))
                .toList();
        return new Replay(openEntries, read, Duration.between(started, Instant.now()));
    }

    private static void apply(
            Map<String, LedgerEntry> open,
            Map<String, Long> firstOffsets,
            ConsumerRecord<String, String> record,
            Consumer<LedgerEntry> finished) {
        if (record.value() == null) {
            open.remove(record.key());
            firstOffsets.remove(record.key());
            return;
        }
        try {
            LedgerEntry entry = JSON.readValue(record.value(), LedgerEntry.class);
            if (entry.state() == LedgerEntry.State.DONE) {
                open.remove(record.key());
                firstOffsets.remove(record.key());
                finished.accept(entry);
            } else {
                open.put(record.key(), entry);
                firstOffsets.putIfAbsent(record.key(), record.offset());
            }
        } catch (JsonProcessingException unreadable) {
            LOG.warnf(
                    "skipping an unreadable ledger entry at %s-%d@%d",
                    record.topic(), record.partition(), record.offset());
        }
    }

    /**
     * Makes sure the ledger has at least as many partitions as the prompt topic (creating it, compacted, if absent).
     * Operators may create it themselves (k8s KafkaTopic); this covers a fresh cluster and a grown prompt topic.
     */
    public void ensureTopic(int promptPartitions) {
        if (checkedPartitions >= promptPartitions) {
            return; // checked for this many partitions already; a grown prompt topic is checked again
        }
        try (Admin admin = Admin.create(adminConfig())) {
            boolean exists = admin.listTopics()
                    .names()
                    .get(CLIENT_CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .contains(topic);
            TopicDescription ledger = exists
                    ? admin.describeTopics(Set.of(topic))
                            .allTopicNames()
                            .get(CLIENT_CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                            .get(topic)
                    : null;
            if (ledger == null) {
                create(admin, promptPartitions);
            } else if (ledger.partitions().size() < promptPartitions) {
                LOG.warnf(
                        "ledger topic %s has %d partitions, the prompt topic %d; adding partitions",
                        topic, ledger.partitions().size(), promptPartitions);
                admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(promptPartitions)))
                        .all()
                        .get(CLIENT_CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            checkedPartitions = promptPartitions;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.errorf("could not check the ledger topic %s: %s", topic, e.getMessage());
        }
    }

    private void create(Admin admin, int partitions)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        int brokers = admin.describeCluster()
                .nodes()
                .get(CLIENT_CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .size();
        short replicas = (short) Math.min(3, Math.max(1, brokers));
        NewTopic ledger =
                new NewTopic(topic, partitions, replicas).configs(topicConfig(replicas, settings.retention()));
        try {
            admin.createTopics(List.of(ledger)).all().get(CLIENT_CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            LOG.infof("created the ledger topic %s with %d partitions", topic, partitions);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** How the service creates the ledger topic when it is missing (the Strimzi KafkaTopic declares the same). */
    static Map<String, String> topicConfig(short replicas, Duration retention) {
        return Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis()),
                // compaction only cleans closed segments: without a roll, nothing is compacted for 7 days or 1 GiB
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(SEGMENT.toMillis()),
                // acks=all means little with one in-sync replica: a write must reach two copies wherever there are two
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(Math.min(2, replicas)));
    }

    private Map<String, Object> readerConfig() {
        Map<String, Object> config = KafkaConnection.settings(kafka);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CLIENT_CALL_TIMEOUT.toMillis());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "whisul-bridge-ledger-reader");
        // the checkpoints live in a consumer group of their own, only ever committed to with manual assignment
        config.put(ConsumerConfig.GROUP_ID_CONFIG, checkpointGroup);
        return config;
    }

    private Map<String, Object> checkpointConfig() {
        Map<String, Object> config = readerConfig();
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "whisul-bridge-ledger-checkpoints");
        return config;
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> config = KafkaConnection.settings(kafka);
        config.put("client.id", "whisul-bridge-ledger-admin");
        config.put("default.api.timeout.ms", (int) CLIENT_CALL_TIMEOUT.toMillis());
        config.put("request.timeout.ms", (int) CLIENT_CALL_TIMEOUT.toMillis());
        return config;
    }
}
