package io.whisulbridge.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.KafkaConnection;
import io.whisulbridge.domain.PromptEvent;
import io.whisulbridge.polling.Job;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The durable job ledger: a compacted topic keyed by request id, written to the same partition number as the prompt
 * record, so whoever owns prompt partition p owns the ledger entries of p and replays them on assignment.
 */
@ApplicationScoped
public class JobLedger {

    public static final String CHANNEL = "ledger-out";

    private static final Logger LOG = Logger.getLogger(JobLedger.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WRITE_MAX_BACKOFF = Duration.ofSeconds(30);
    // per partition, so that several slow partitions still finish within the consumer's max.poll.interval (5 min)
    private static final Duration REPLAY_TIMEOUT = Duration.ofSeconds(30);
    // compaction only touches closed segments: roll hourly so a ledger replay reads one entry per request
    private static final Duration SEGMENT = Duration.ofHours(1);

    private final MutinyEmitter<LedgerEntry> entries;
    private final Map<String, Object> kafka;
    private final String topic;
    private final BridgeConfig.Ledger settings;
    private volatile int checkedPartitions;

    public JobLedger(@Channel(CHANNEL) MutinyEmitter<LedgerEntry> entries,
                     @Identifier("default-kafka-broker") Map<String, Object> kafka,
                     BridgeConfig config) {
        this.entries = entries;
        this.kafka = kafka;
        this.topic = config.bridge().topics().ledger();
        this.settings = config.bridge().ledger();
    }

    public Uni<Void> recordSubmitted(Job job) {
        PromptEvent event = job.event();
        return write(job.partition(), new LedgerEntry(event.requestId(), LedgerEntry.State.SUBMITTED, job.jobId(),
                event.prompt(), event.metadata(), event.traceparent(), job.acceptedAt().toString(), null,
                Instant.now().toString()));
    }

    public Uni<Void> recordDone(Job job) {
        return write(job.partition(), new LedgerEntry(job.requestId(), LedgerEntry.State.DONE, job.jobId(), null, null,
                null, null, job.outcome().name(), Instant.now().toString()));
    }

    private Uni<Void> write(int partition, LedgerEntry entry) {
        // a ledger write that fails is retried until it lands: the prompt record stays unacknowledged meanwhile
        return Uni.createFrom().deferred(() -> entries.sendMessage(Message.of(entry).addMetadata(
                        OutgoingKafkaRecordMetadata.<String>builder().withKey(entry.requestId()).withPartition(partition).build())))
                .onFailure().invoke(failure -> LOG.warnf("writing the ledger entry of request %s failed (%s); retrying",
                        entry.requestId(), failure.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), WRITE_MAX_BACKOFF).indefinitely();
    }

    /**
     * Reads partition p of the ledger from its start: the latest entry per request id. Blocking; called from the
     * Kafka consumer thread on assignment, before any prompt of that partition is handed out.
     */
    public Collection<LedgerEntry> replay(int partition) {
        Instant giveUp = Instant.now().plus(REPLAY_TIMEOUT);
        while (true) {
            try {
                return replayOnce(partition, giveUp);
            } catch (RuntimeException brokerTrouble) {
                if (Instant.now().isAfter(giveUp)) {
                    LOG.errorf("could not replay ledger partition %d within %s (%s): its unfinished jobs are not resumed "
                            + "here and redelivered prompts of it may be submitted again", partition, REPLAY_TIMEOUT,
                            brokerTrouble.getMessage());
                    return List.of();
                }
                LOG.warnf("replaying ledger partition %d failed (%s); retrying", partition, brokerTrouble.getMessage());
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private Collection<LedgerEntry> replayOnce(int partition, Instant giveUp) {
        TopicPartition ledgerPartition = new TopicPartition(topic, partition);
        Map<String, LedgerEntry> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(readerConfig())) {
            reader.assign(List.of(ledgerPartition));
            reader.seekToBeginning(List.of(ledgerPartition));
            long end = reader.endOffsets(List.of(ledgerPartition)).get(ledgerPartition);
            while (reader.position(ledgerPartition) < end) {
                if (Instant.now().isAfter(giveUp)) {
                    LOG.errorf("could not read ledger partition %d to its end within %s; continuing with %d entries",
                            partition, REPLAY_TIMEOUT, latest.size());
                    break;
                }
                for (ConsumerRecord<String, String> record : reader.poll(Duration.ofMillis(500))) {
                    apply(latest, record);
                }
            }
        }
        return latest.values();
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void apply(Map<String, LedgerEntry> latest, ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            latest.remove(record.key());
            return;
        }
        try {
            latest.put(record.key(), JSON.readValue(record.value(), LedgerEntry.class));
        } catch (JsonProcessingException unreadable) {
            LOG.warnf("skipping an unreadable ledger entry at %s-%d@%d", record.topic(), record.partition(), record.offset());
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
            boolean exists = admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic);
            TopicDescription ledger = exists
                    ? admin.describeTopics(Set.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic) : null;
            if (ledger == null) {
                create(admin, promptPartitions);
            } else if (ledger.partitions().size() < promptPartitions) {
                LOG.warnf("ledger topic %s has %d partitions, the prompt topic %d; adding partitions", topic,
                        ledger.partitions().size(), promptPartitions);
                admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(promptPartitions))).all().get(30, TimeUnit.SECONDS);
            }
            checkedPartitions = promptPartitions;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.errorf("could not check the ledger topic %s: %s", topic, e.getMessage());
        }
    }

    private void create(Admin admin, int partitions) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
        NewTopic ledger = new NewTopic(topic, partitions, (short) Math.min(3, Math.max(1, brokers))).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(settings.retention().toMillis()),
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(SEGMENT.toMillis())));
        try {
            admin.createTopics(List.of(ledger)).all().get(30, TimeUnit.SECONDS);
            LOG.infof("created the ledger topic %s with %d partitions", topic, partitions);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private Map<String, Object> readerConfig() {
        Map<String, Object> config = KafkaConnection.settings(kafka);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "whisul-bridge-ledger-reader");
        return config;
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> config = KafkaConnection.settings(kafka);
        config.put("client.id", "whisul-bridge-ledger-admin");
        return config;
    }

}
