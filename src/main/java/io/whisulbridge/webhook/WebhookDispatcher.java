package io.whisulbridge.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.KafkaConnection;
import io.whisulbridge.metrics.BridgeMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Delivers every outcome on {@code songs} and {@code song-failures} as a signed webhook, in a consumer group of its
 * own, so that a slow or absent receiver, or this dispatcher's own failures, never hold up the outcomes on Kafka.
 * A delivery that fails is written to the retry topic with its due time and its attempt count, and only then is the
 * record it came from committed: retry state lives in Kafka, never in held offsets, and survives a kill -9. Records of
 * the retry topic that are not due yet pause their partition until they are (the consumer keeps polling, so it never
 * outstays max.poll.interval); each partition of the retry topic is a lane of waits of one length
 * ({@link RetrySchedule#lane}). At least once: a crash between an attempt and the commit repeats the attempt, with
 * the same {@code webhook-id}.
 *
 * <p>One thread owns the consumer and the producer (neither is shared); attempts run on the Vert.x client,
 * at most WEBHOOK_MAX_IN_FLIGHT at once, and the thread waits for a poll's attempts before committing it.
 */
@ApplicationScoped
public class WebhookDispatcher {

    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(500);
    private static final Duration RESTART_BACKOFF = Duration.ofSeconds(5);

    private final BridgeConfig.Webhook settings;
    private final Map<String, Object> kafka;
    private final String songs;
    private final String failures;
    private final String retryTopic;
    private final String exhaustedTopic;
    private final String group;
    private final WebhookSender sender;
    private final OutcomeDeliveries deliveries;
    private final RetrySchedule schedule;
    private final BridgeMetrics metrics;
    private final ObjectMapper json;

    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public WebhookDispatcher(
            BridgeConfig config,
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            WebhookSender sender,
            BridgeMetrics metrics,
            ObjectMapper json) {
        this.settings = config.webhook();
        this.kafka = kafka;
        BridgeConfig.Topics topics = config.bridge().topics();
        this.songs = topics.songs();
        this.failures = topics.failures();
        this.retryTopic = topics.webhookRetry();
        this.exhaustedTopic = topics.webhookExhausted();
        this.group = settings.consumerGroup()
                .filter(name -> !name.isBlank())
                .orElse(config.bridge().consumerGroup() + "-webhooks");
        this.sender = sender;
        this.deliveries = new OutcomeDeliveries(json, OutcomeDeliveries.urls(settings.urls()));
        this.schedule = new RetrySchedule(settings.schedule(), settings.jitter());
        this.metrics = metrics;
        this.json = json;
    }

    void start(@Observes StartupEvent started) {
        if (!settings.enabled()) {
            LOG.info("webhooks: dispatcher off (WEBHOOK_ENABLED=false)");
            return;
        }
        if (!sender.canSign()) {
            LOG.info("webhooks: dispatcher off, WEBHOOK_SECRET is not set: no outcome is delivered by HTTP");
            return;
        }
        thread = new Thread(this::run, "webhook-dispatcher");
        thread.setDaemon(true);
        // written after the thread field: stop() reads running first, and then sees the thread
        running = true;
        thread.start();
        LOG.infof(
                "webhooks: dispatcher on, consumer group %s, %d operator URL(s), %d attempts per delivery",
                group, OutcomeDeliveries.urls(settings.urls()).size(), schedule.attempts());
    }

    void stop(@Observes ShutdownEvent stopping) throws InterruptedException {
        if (!running) {
            return;
        }
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        // a poll's attempts finish within the timeout; what is left uncommitted is attempted again after a restart
        thread.join(settings.timeout().plusSeconds(5).toMillis());
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> opened = new KafkaConsumer<>(consumerConfig());
                    KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig())) {
                consumer = opened;
                new Session(opened, producer, producer.partitionsFor(retryTopic).size()).run();
            } catch (WakeupException stopping) {
                // stop() asked
            } catch (RuntimeException | InterruptedException | java.util.concurrent.ExecutionException failure) {
                if (!running) {
                    break;
                }
                LOG.errorf(
                        failure,
                        "webhooks: the dispatcher failed; it starts again in %s from the last committed "
                                + "offsets (deliveries not committed are attempted again)",
                        RESTART_BACKOFF);
                metrics.internalFailure();
                try {
                    Thread.sleep(RESTART_BACKOFF.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One consumer and one producer, from subscription to failure or stop, with the partitions paused until due. */
    private final class Session implements ConsumerRebalanceListener {

        private final KafkaConsumer<String, byte[]> consumer;
        private final KafkaProducer<String, String> producer;
        private final int lanes;
        private final Map<TopicPartition, Instant> pausedUntil = new HashMap<>();

        Session(KafkaConsumer<String, byte[]> consumer, KafkaProducer<String, String> producer, int lanes) {
            this.consumer = consumer;
            this.producer = producer;
            this.lanes = lanes;
        }

        void run() throws InterruptedException, java.util.concurrent.ExecutionException {
            consumer.subscribe(List.of(songs, failures, retryTopic), this);
            while (running) {
                resumeDue(Instant.now());
                ConsumerRecords<String, byte[]> records = consumer.poll(nextPoll(Instant.now()));
                if (!records.isEmpty()) {
                    handle(records);
                }
            }
        }

        private void resumeDue(Instant now) {
            List<TopicPartition> due = pausedUntil.entrySet().stream()
                    .filter(entry -> !entry.getValue().isAfter(now))
                    .map(Map.Entry::getKey)
                    .toList();
            if (!due.isEmpty()) {
                consumer.resume(due);
                due.forEach(pausedUntil::remove);
            }
        }

        private Duration nextPoll(Instant now) {
            return pausedUntil.values().stream()
                    .min(Instant::compareTo)
                    .map(first -> Duration.between(now, first))
                    .filter(untilFirst -> untilFirst.compareTo(IDLE_POLL) < 0)
                    .map(untilFirst -> untilFirst.isNegative() ? Duration.ZERO : untilFirst)
                    .orElse(IDLE_POLL);
        }

        private void handle(ConsumerRecords<String, byte[]> records)
                throws InterruptedException, java.util.concurrent.ExecutionException {
            List<Delivery> work = new ArrayList<>();
            Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
            Instant now = Instant.now();
            for (TopicPartition partition : records.partitions()) {
                for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                    if (partition.topic().equals(retryTopic)) {
                        Delivery waiting = readRetry(record);
                        if (waiting != null
                                && waiting.dueAt() != null
                                && waiting.dueAt().isAfter(now)) {
                            waitUntilDue(partition, record.offset(), waiting.dueAt());
                            break;
                        }
                        if (waiting != null) {
                            work.add(waiting);
                        }
                    } else {
                        work.addAll(deliveriesOf(record));
                    }
                    done.put(partition, new OffsetAndMetadata(record.offset() + 1));
                }
            }
            List<Future<RecordMetadata>> writes = new ArrayList<>();
            for (Result result : attemptAll(work)) {
                record(result, writes);
            }
            producer.flush();
            for (Future<RecordMetadata> write : writes) {
                write.get(); // a retry the broker did not take must not be committed past
            }
            consumer.commitSync(done);
        }

        /** Rewinds to the first record not due yet and pauses its partition until then; later ones wait behind it. */
        private void waitUntilDue(TopicPartition partition, long offset, Instant due) {
            consumer.seek(partition, offset);
            consumer.pause(List.of(partition));
            pausedUntil.put(partition, due);
        }

        private List<Delivery> deliveriesOf(ConsumerRecord<String, byte[]> record) {
            if (record.value() == null || record.key() == null) {
                return List.of();
            }
            return deliveries.of(
                    record.topic().equals(songs),
                    record.key(),
                    header(record, "ce_id"),
                    header(record, "ce_time"),
                    Instant.ofEpochMilli(record.timestamp()),
                    new String(record.value(), StandardCharsets.UTF_8));
        }

        private Delivery readRetry(ConsumerRecord<String, byte[]> record) {
            try {
                return json.readValue(record.value(), Delivery.class);
            } catch (IOException | RuntimeException unreadable) {
                LOG.errorf(
                        "webhooks: record %s-%d@%d on the retry topic is not a delivery; skipped (%s)",
                        record.topic(), record.partition(), record.offset(), unreadable.getMessage());
                return null;
            }
        }

        /** Every attempt of one poll, WEBHOOK_MAX_IN_FLIGHT at a time; each ends within the timeout by itself. */
        private List<Result> attemptAll(List<Delivery> work) {
            if (work.isEmpty()) {
                return List.of();
            }
            int concurrency = Math.max(1, settings.maxInFlight());
            long rounds = (work.size() + concurrency - 1) / concurrency;
            Duration budget = settings.timeout().plusSeconds(5).multipliedBy(rounds + 1);
            return Multi.createFrom()
                    .iterable(work)
                    .onItem()
                    .transformToUni(delivery -> sender.attempt(delivery).map(attempt -> new Result(delivery, attempt)))
                    .merge(concurrency)
                    .collect()
                    .asList()
                    .await()
                    .atMost(budget);
        }

        private void record(Result result, List<Future<RecordMetadata>> writes) {
            Delivery delivery = result.delivery();
            String where = redacted(delivery.url());
            Attempt attempt = result.attempt();
            if (attempt instanceof Attempt.Delivered delivered) {
                metrics.webhookAttempt("delivered", delivered.statusClass());
                LOG.debugf("webhooks: %s delivered to %s (%d)", delivery.webhookId(), where, delivered.status());
            } else if (attempt instanceof Attempt.Gone gone) {
                metrics.webhookAttempt("gone", gone.statusClass());
                LOG.infof(
                        "webhooks: %s to %s answered 410 Gone; no more attempts for this delivery",
                        delivery.webhookId(), where);
            } else if (attempt instanceof Attempt.Refused refused) {
                metrics.webhookRefused(refused.refusal().reason().tag);
                LOG.warnf(
                        "webhooks: delivery of %s to %s refused, nothing was sent: %s. The outcome is on Kafka "
                                + "as usual.",
                        delivery.webhookId(), where, refused.refusal().detail());
            } else if (attempt instanceof Attempt.Failed failed) {
                metrics.webhookAttempt("failed", failed.statusClass());
                retryOrGiveUp(delivery, failed, where, writes);
            }
        }

        private void retryOrGiveUp(
                Delivery delivery, Attempt.Failed failed, String where, List<Future<RecordMetadata>> writes) {
            int attempts = delivery.attempts() + 1;
            var delay = schedule.delayAfter(attempts, failed.retryAfter(), ThreadLocalRandom.current());
            if (delay.isPresent()) {
                Delivery next = delivery.failed(failed.error(), Instant.now().plus(delay.get()));
                writes.add(producer.send(new ProducerRecord<>(
                        retryTopic, schedule.lane(delay.get(), lanes), delivery.webhookId(), write(next))));
                metrics.webhookRetryScheduled();
                LOG.infof(
                        "webhooks: %s to %s failed (%s); attempt %d of %d in %d s",
                        delivery.webhookId(),
                        where,
                        failed.error(),
                        attempts + 1,
                        schedule.attempts(),
                        delay.get().toSeconds());
            } else {
                Delivery last = delivery.failed(failed.error(), null);
                writes.add(producer.send(new ProducerRecord<>(exhaustedTopic, delivery.webhookId(), write(last))));
                metrics.webhookExhausted();
                LOG.warnf(
                        "webhooks: %s to %s failed %d times, the last with %s; given up (on %s)",
                        delivery.webhookId(), where, attempts, failed.error(), exhaustedTopic);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            partitions.forEach(pausedUntil::remove);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(pausedUntil::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // a newly assigned partition starts unpaused, from its committed offset
        }
    }

    private record Result(Delivery delivery, Attempt attempt) {}

    private String write(Delivery delivery) {
        try {
            return json.writeValueAsString(delivery);
        } catch (IOException impossible) {
            throw new IllegalStateException("cannot serialise delivery " + delivery.webhookId(), impossible);
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Scheme, host, port and path: a callback URL's query may carry a token, which logs must not. */
    static String redacted(String url) {
        try {
            URI uri = new URI(url);
            return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
        } catch (java.net.URISyntaxException malformed) {
            return "(malformed URL)";
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = KafkaConnection.settings(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-dispatcher");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // outcomes of transactions a fenced zombie began are never delivered
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a new group delivers what the topics still hold rather than lose outcomes published before it joined
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // heartbeats come from the client's own thread, not from the slow part: a replaced or killed dispatcher's
        // partitions move after 10 s instead of the default 45
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
        int perPoll = Math.max(1, settings.maxInFlight());
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, perPoll);
        // a poll of N outcomes makes N x (operator URLs + 1) attempts at most, WEBHOOK_MAX_IN_FLIGHT at a time
        long rounds = OutcomeDeliveries.urls(settings.urls()).size() + 2L;
        long longestPoll =
                settings.timeout().plusSeconds(5).multipliedBy(rounds + 1).toMillis();
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Math.max(300_000L, 2 * longestPoll));
        return config;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = KafkaConnection.settings(kafka);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, group + "-retries");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }
}
