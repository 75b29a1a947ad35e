package io.whisulbridge.durability;

import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.emulator.WhisulEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One test's world: its own topics and consumer group on the shared broker, bridge processes wired to them and to
 * the emulator, and the counts the test asserts on.
 */
final class Scenario {

    static final int PROMPT_PARTITIONS = 6;

    private final String name;
    private final BrokerProcess broker;
    private final WhisulEmulator whisul;
    private final Path logDir;
    private final TopicSet topics;

    /** Where the topics' partitions live: anywhere, or every one on node 1 but the ledger's, led by node 2. */
    enum Placement {
        ANY,
        LEDGER_ON_NODE_2
    }

    Scenario(String name, BrokerProcess broker, WhisulEmulator whisul, Path logDir) throws Exception {
        this(name, broker, whisul, logDir, Placement.ANY);
    }

    Scenario(String name, BrokerProcess broker, WhisulEmulator whisul, Path logDir, Placement placement)
            throws Exception {
        this(name, broker, whisul, logDir, placement, PROMPT_PARTITIONS);
    }

    /** As {@link #Scenario(String, BrokerProcess, WhisulEmulator, Path)}, with a prompt topic of its own size. */
    Scenario(String name, BrokerProcess broker, WhisulEmulator whisul, Path logDir, int promptPartitions)
            throws Exception {
        this(name, broker, whisul, logDir, Placement.ANY, promptPartitions);
    }

    private Scenario(
            String name,
            BrokerProcess broker,
            WhisulEmulator whisul,
            Path logDir,
            Placement placement,
            int promptPartitions)
            throws Exception {
        this.name = name;
        this.broker = broker;
        this.whisul = whisul;
        this.logDir = logDir;
        this.topics = TopicSet.DEFAULT.prefixed(name + "-");
        Map<String, Integer> all = topics.partitions(promptPartitions, 3);
        if (placement == Placement.ANY) {
            broker.createTopics(all);
        } else {
            Map<String, Integer> others = new HashMap<>(all);
            broker.createTopicsOn(2, Map.of(topics.ledger(), others.remove(topics.ledger())));
            broker.createTopicsOn(1, others);
        }
    }

    TopicSet topics() {
        return topics;
    }

    BridgeProcess startBridge(String instance) throws Exception {
        return startBridge(instance, Map.of(), List.of());
    }

    /** As {@link #startBridge(String)}, with environment variables that override the defaults and extra JVM options. */
    BridgeProcess startBridge(String instance, Map<String, String> envOverrides, List<String> extraJvmOptions)
            throws Exception {
        Map<String, String> env = new HashMap<>(Map.ofEntries(
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                Map.entry("WHISUL_BASE_URL", whisul.baseUrl()),
                Map.entry("WHISUL_API_KEY", whisul.apiKey()),
                Map.entry("WHISUL_POLL_INITIAL_DELAY", "1s"),
                Map.entry("WHISUL_POLL_INTERVAL", "1s"),
                Map.entry("WHISUL_POLL_MAX_INTERVAL", "2s"),
                Map.entry("WHISUL_JOB_MAX_WAIT", "3m"),
                Map.entry("WHISUL_MAX_REQUESTS_PER_SECOND", "2000"),
                Map.entry("BRIDGE_CONSUMER_GROUP", name),
                Map.entry("WHISUL_REQUEST_TIMEOUT", "5s"),
                Map.entry("BRIDGE_SHUTDOWN_TIMEOUT", "20s")));
        env.putAll(topics.environment());
        env.putAll(envOverrides);
        // a killed instance's partitions move after its session expires; the default 45 s only slows the test
        List<String> jvm = new ArrayList<>(List.of(
                "-Dmp.messaging.incoming.prompts-in.session.timeout.ms=10000",
                "-Dmp.messaging.incoming.prompts-in.heartbeat.interval.ms=1000"));
        jvm.addAll(extraJvmOptions);
        return BridgeProcess.start(name + "-" + instance, logDir, env, jvm);
    }

    static String prompt(String requestId) {
        return "durable song " + requestId;
    }

    void publish(List<String> requestIds) {
        publishWithCallback(requestIds, null);
    }

    /** Prompts whose outcomes are to be delivered to {@code callbackUrl} as well (none when null). */
    void publishWithCallback(List<String> requestIds, String callbackUrl) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all"))) {
            for (String id : requestIds) {
                producer.send(new ProducerRecord<>(
                        topics.prompts(),
                        id,
                        "{\"request_id\":\"" + id
                                + "\",\"prompt\":\"" + prompt(id) + "\""
                                + (callbackUrl == null ? "" : ",\"callback_url\":\"" + callbackUrl + "\"") + "}"));
            }
            producer.flush();
        }
    }

    /** One record as it is, with its headers, to a given partition (null: the partitioner decides). */
    void publishRaw(Integer partition, String key, byte[] value, Map<String, String> headers) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all"))) {
            RecordHeaders recordHeaders = new RecordHeaders();
            headers.forEach((name, text) -> recordHeaders.add(name, text.getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(
                    topics.prompts(),
                    partition,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value,
                    recordHeaders));
            producer.flush();
        }
    }

    /** Submissions the emulator accepted, per request id of this scenario. */
    Map<String, Long> submissions(List<String> requestIds) {
        var stats = whisul.stats();
        Map<String, Long> counts = new HashMap<>();
        requestIds.forEach(id -> counts.put(id, stats.submissions(prompt(id))));
        return counts;
    }

    int runningJobs() {
        return whisul.stats().runningJobs();
    }

    /** Outcome records per key, read from the start of both outcome topics. */
    Map<String, Integer> outcomes() {
        Map<String, Integer> counts = new HashMap<>();
        outcomeRecords().forEach(record -> counts.merge(record.key(), 1, Integer::sum));
        return counts;
    }

    /** A record read back: its topic, key, value bytes and headers (last value per header name, as text). */
    record TopicRecord(String topic, String key, byte[] value, Map<String, String> headers) {
        String valueText() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
    }

    /** Every record on {@code songs} and {@code song-failures}, from the start, in partition order. */
    List<TopicRecord> outcomeRecords() {
        return records(topics.outcomes());
    }

    /** Every record on the dead-letter topic, from the start. */
    List<TopicRecord> deadLetters() {
        return records(List.of(topics.deadLetter()));
    }

    /** Every record on the given topics, from the start (read_committed). */
    List<TopicRecord> records(List<String> topics) {
        List<TopicRecord> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                // as downstream consumers should: a transaction a fenced zombie began is never seen
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo info : reader.partitionsFor(topic)) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(partition -> reader.position(partition) < end.get(partition))) {
                if (System.nanoTime() - giveUp > 0) {
                    throw new IllegalStateException("could not read " + topics + " to its end within 30 s");
                }
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    Map<String, String> headers = new LinkedHashMap<>();
                    for (Header header : record.headers()) {
                        headers.put(
                                header.key(),
                                header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
                    }
                    records.add(new TopicRecord(
                            record.topic(),
                            record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                            record.value(),
                            headers));
                }
            }
        }
        return records;
    }

    /**
     * The emulator counts submissions by prompt, and {@link #prompt} derives the prompt from the id, so a prefix must
     * not be used by two of the tests that share the stage (RequestIdPrefixesTest checks it).
     */
    static List<String> requestIds(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(prefix + "-" + i);
        }
        return ids;
    }
}
