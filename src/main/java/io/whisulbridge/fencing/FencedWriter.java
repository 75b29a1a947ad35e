package io.whisulbridge.fencing;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.KafkaConnection;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every write that a zombie must not make (ledger entries, outcomes) and the gate before every submit to Whisul go
 * through here: Kafka transactions that also commit an offset in the prompt consumer group with that group's
 * current generation (KIP-447). A process whose partitions moved while it was frozen still holds its old
 * generation; the group coordinator refuses its offset commit, the transaction aborts, and `read_committed` readers
 * (the ledger replay, downstream consumers) never see what it wrote. Writes are batched: one transaction carries
 * everything queued since the last one, so the cost is one commit per batch, not per record.
 * <p>
 * Besides the generation, each write names the partition it belongs to and is refused once this process no longer
 * owns that partition, so a job handed over a moment ago cannot slip a write in under the next generation.
 */
@ApplicationScoped
public class FencedWriter {

    private static final Logger LOG = Logger.getLogger(FencedWriter.class);
    private static final int MAX_BATCH = 500;
    private static final Duration LINGER = Duration.ofMillis(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(1);

    /** A write, or (record null) a gate that completes when a transaction with the current generation commits. */
    private record Pending(
            int partition, ProducerRecord<String, String> record, CompletableFuture<RecordMetadata> done) {}

    private final Map<String, Object> producerConfig;
    private final String fenceTopic;
    private final BlockingQueue<Pending> queue;
    private final Map<Integer, Long> fenceOffsets = new HashMap<>();
    private final Thread writer;
    private volatile ConsumerGroupMetadata group;
    /** When the offsets of the last committed transaction went to the coordinator (System.nanoTime), 0 before one. */
    private volatile long generationProvenAt;

    private final Duration lease;
    private volatile IntPredicate owned = partition -> false;
    private volatile boolean running = true;
    private volatile CompletableFuture<Void> batchDone = CompletableFuture.completedFuture(null);
    private KafkaProducer<String, String> producer;

    public FencedWriter(
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            BridgeConfig config,
            @ConfigProperty(name = "mp.messaging.incoming.prompts-in.session.timeout.ms", defaultValue = "45000")
                    long sessionTimeoutMs,
            @ConfigProperty(name = "mp.messaging.incoming.prompts-in.heartbeat.interval.ms", defaultValue = "3000")
                    long heartbeatMs) {
        // the last heartbeat may have been one interval before the commit; a second's margin for clocks and callbacks
        Duration lease = Duration.ofMillis(sessionTimeoutMs - heartbeatMs).minus(LEASE_MARGIN);
        this.lease = lease.isNegative() ? Duration.ZERO : lease;
        this.fenceTopic = config.bridge().topics().ledger();
        // each job has at most one write or gate queued at a time, and outcomes of invalid prompts hold a slot too
        this.queue = new LinkedBlockingQueue<>(2 * config.bridge().maxInFlight() + 100);
        this.producerConfig = producerConfig(kafka, config.bridge().consumerGroup());
        this.writer = new Thread(this::loop, "whisul-bridge-fenced-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** The prompt consumer's group generation, from every rebalance callback (on the consumer thread). */
    public void generation(ConsumerGroupMetadata metadata) {
        group = metadata;
        generationProvenAt = 0; // a new generation is proven by its own first commit
    }

    /** Which partitions this process owns; a write for any other one is refused. */
    public void ownership(IntPredicate ownsPartition) {
        owned = ownsPartition;
    }

    /** Sends {@code value} under {@code key} to {@code topic} (to {@code topicPartition} if not null) in a fenced transaction. */
    public Uni<RecordMetadata> write(
            int partition, String topic, Integer topicPartition, String key, String value, Iterable<Header> headers) {
        return enqueue(partition, new ProducerRecord<>(topic, topicPartition, key, value, headers));
    }

    /**
     * Completes once this process is known to hold its generation and to own {@code partition}: the proof, just
     * before a call to Whisul, that it is not a zombie. The group can only give this process's partitions away after
     * a whole session without its heartbeats, and a committed transaction proves the generation held when its offsets
     * were sent; so within {@link #lease} of such a commit the proof stands without a new transaction. A process that
     * was frozen finds its lease run out and waits for a transaction, which the coordinator refuses. Answering from
     * the lease keeps calls leaving at the pace the request budget lets them out, not in bursts at each commit.
     */
    public Uni<Void> fence(int partition) {
        // decided when the gate runs, not when it is built: a submit builds its gate and then waits for the budget,
        // for seconds or (frozen) for longer than a session; a lease that held then proves nothing now
        // (LifecycleFaultIT: a thawed process sent three submits its group had given away, one per budget permit)
        return Uni.createFrom().deferred(() -> {
            long provenAt = generationProvenAt;
            if (owned.test(partition) && provenAt != 0 && System.nanoTime() - provenAt < lease.toNanos()) {
                return Uni.createFrom().voidItem();
            }
            return enqueue(partition, null).replaceWithVoid();
        });
    }

    /** Test seam: as if a transaction's offsets had reached the coordinator at {@code nanos} (0: never). */
    void provenAt(long nanos) {
        generationProvenAt = nanos;
    }

    private Uni<RecordMetadata> enqueue(int partition, ProducerRecord<String, String> record) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
            if (!queue.offer(new Pending(partition, record, done))) {
                return Uni.createFrom()
                        .failure(new FencedWriteException("the write queue is full (" + queue.size() + "); retrying"));
            }
            return Uni.createFrom()
                    .completionStage(done)
                    // never run a caller's next step on the writer thread
                    .emitOn(Infrastructure.getDefaultExecutor());
        });
    }

    /** Waits until the batch under way when this is called has committed or failed (bounded). */
    public void drain(Duration atMost) {
        try {
            batchDone.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("the fenced write under way did not finish within %s", atMost);
        }
    }

    private void loop() {
        while (running) {
            List<Pending> batch = nextBatch();
            if (batch.isEmpty()) {
                continue;
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            batchDone = done;
            try {
                commit(batch);
            } finally {
                done.complete(null);
            }
        }
    }

    private List<Pending> nextBatch() {
        List<Pending> batch = new ArrayList<>();
        try {
            Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
            if (first == null) {
                return batch;
            }
            batch.add(first);
            TimeUnit.MILLISECONDS.sleep(LINGER.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return batch;
        }
        queue.drainTo(batch, MAX_BATCH - 1);
        return batch;
    }

    private void commit(List<Pending> batch) {
        ConsumerGroupMetadata generation = group;
        List<Pending> admitted = new ArrayList<>();
        for (Pending pending : batch) {
            if (generation == null || !owned.test(pending.partition())) {
                pending.done()
                        .completeExceptionally(new FencedWriteException(
                                "partition " + pending.partition() + " is not owned by this process (any more)"));
            } else {
                admitted.add(pending);
            }
        }
        if (admitted.isEmpty()) {
            return;
        }
        try {
            KafkaProducer<String, String> transactional = producer();
            transactional.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Pending pending : admitted) {
                sent.add(pending.record() == null ? null : transactional.send(pending.record()));
            }
            long offsetsSentAt = System.nanoTime();
            transactional.sendOffsetsToTransaction(fenceOffsets(), generation);
            transactional.commitTransaction();
            // the coordinator checked the generation when the offsets went out; a process paused (frozen) between
            // that and the commit's answer learns of the commit only afterwards, when the proof may be stale: its
            // writes stand (they were fenced), but no gate opens on it
            boolean fresh = System.nanoTime() - offsetsSentAt < lease.toNanos();
            generationProvenAt = fresh ? offsetsSentAt : 0;
            for (int i = 0; i < admitted.size(); i++) {
                RecordMetadata metadata =
                        sent.get(i) == null ? null : sent.get(i).get();
                noteFenceOffset(admitted.get(i).record(), metadata);
                if (admitted.get(i).record() == null && !fresh) {
                    admitted.get(i)
                            .done()
                            .completeExceptionally(new FencedWriteException(
                                    "the commit that was to prove the generation came back after more than the lease "
                                            + "(this process was paused); proving it again"));
                } else {
                    admitted.get(i).done().complete(metadata);
                }
            }
        } catch (ProducerFencedException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException
                | InvalidProducerEpochException fatal) {
            LOG.errorf("the transactional producer cannot go on (%s); starting a new one", fatal.toString());
            closeProducer();
            fail(admitted, fatal);
        } catch (KafkaException | ExecutionException refused) {
            generationProvenAt = 0; // whatever proved the generation before, this refusal may mean it is gone
            abort();
            // the typical refusal: the group moved on (a rebalance, or this process was frozen past its session)
            fail(
                    admitted,
                    new FencedWriteException("a transaction was refused (" + refused + "); its writes are "
                            + "discarded and retried with the group's next generation"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            fail(admitted, e);
        }
    }

    /** Any offset serves the fence; the ends of the ledger partitions written keep lag tools quiet. */
    private Map<TopicPartition, OffsetAndMetadata> fenceOffsets() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        fenceOffsets.forEach((partition, offset) -> offsets.put(
                new TopicPartition(fenceTopic, partition), new OffsetAndMetadata(offset, "whisul-bridge fence")));
        if (offsets.isEmpty()) {
            offsets.put(new TopicPartition(fenceTopic, 0), new OffsetAndMetadata(0, "whisul-bridge fence"));
        }
        return offsets;
    }

    private void noteFenceOffset(ProducerRecord<String, String> record, RecordMetadata metadata) {
        if (record != null && metadata != null && fenceTopic.equals(record.topic()) && metadata.hasOffset()) {
            fenceOffsets.merge(metadata.partition(), metadata.offset() + 1, Math::max);
        }
    }

    private void abort() {
        try {
            if (producer != null) {
                producer.abortTransaction();
            }
        } catch (RuntimeException e) {
            LOG.warnf("aborting a refused transaction failed (%s); starting a new producer", e.toString());
            closeProducer();
        }
    }

    private static void fail(List<Pending> batch, Throwable failure) {
        batch.forEach(pending -> pending.done().completeExceptionally(failure));
    }

    private KafkaProducer<String, String> producer() {
        if (producer == null) {
            KafkaProducer<String, String> created = new KafkaProducer<>(producerConfig);
            try {
                created.initTransactions(); // also aborts whatever an earlier producer of this id left open
            } catch (RuntimeException e) {
                created.close(Duration.ZERO);
                throw e;
            }
            producer = created;
        }
        return producer;
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(CLOSE_TIMEOUT);
            } catch (RuntimeException ignored) {
                // closing a broken producer may fail as well; a new one replaces it either way
            }
            producer = null;
        }
    }

    private static Map<String, Object> producerConfig(Map<String, Object> kafka, String consumerGroup) {
        Map<String, Object> config = KafkaConnection.settings(kafka);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // fencing comes from the group generation (KIP-447), so the id only has to be unique per process
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, consumerGroup + "-" + UUID.randomUUID());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "whisul-bridge-fenced-writer");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        return config;
    }

    @PreDestroy
    void close() {
        running = false;
        writer.interrupt();
        try {
            writer.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeProducer();
        queue.forEach(pending -> pending.done().completeExceptionally(new FencedWriteException("shutting down")));
    }
}
