package io.whisulbridge.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.whisulbridge.client.BudgetShare;
import io.whisulbridge.client.RequestBudget;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.ConfigChecks;
import io.whisulbridge.fencing.FencedWriter;
import io.whisulbridge.ledger.FinishedRequests;
import io.whisulbridge.ledger.JobLedger;
import io.whisulbridge.ledger.LedgerEntry;
import io.whisulbridge.polling.Job;
import io.whisulbridge.polling.JobDriver;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Who owns which jobs. Owning prompt partition p means owning ledger partition p. On assignment, p's ledger is
 * read on a thread of its own (never on the Kafka poll thread, so the callback stays short whatever the ledger
 * holds) and p is owned only once that read reached the end; until then p's records wait in admission. A read that
 * fails is retried, and p stays closed meanwhile: fail closed. On revocation and at shutdown the jobs of p are
 * handed over, and at every assignment whatever is owned here but no longer assigned is handed over at once.
 *
 * <p>The partitions owned here also decide this instance's share of the account's request budget
 * ({@link BudgetShare}): raised only once an assignment gave it more, lowered as soon as partitions leave (after their
 * hand-over, whose submits still need the old share to go out), so the group's shares never add up to more than the
 * budget.
 */
@ApplicationScoped
@Identifier(PartitionOwnership.NAME)
public class PartitionOwnership implements KafkaConsumerRebalanceListener {

    public static final String NAME = "whisul-bridge-partition-ownership";

    private static final Logger LOG = Logger.getLogger(PartitionOwnership.class);
    private static final Duration REPLAY_RETRY_MIN = Duration.ofSeconds(1);
    private static final Duration REPLAY_RETRY_MAX = Duration.ofSeconds(30);
    /** How often the replay start of each owned partition is committed; a replay re-reads at most this much more. */
    private static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(30);
    /** A transaction of at most 500 writes commits in milliseconds; this bounds the wait if the broker is slow. */
    private static final Duration WRITER_DRAIN = Duration.ofSeconds(5);
    /** Test-only fault injection: the first n reads of each ledger partition fail as an unreachable leader would. */
    static final String FAIL_LEDGER_READS = "whisul-bridge.test.fail-ledger-reads";

    private final PromptPipeline pipeline;
    private final JobLedger ledger;
    private final JobDriver jobs;
    private final FencedWriter writer;
    private final RequestBudget budget;
    private final String promptTopic;
    private volatile int promptPartitions;
    private final Duration handOverWait;
    private final Duration shutdownWait;
    // one ledger thread: replays run one at a time, checkpoints between them, and no Kafka client is shared
    private final ScheduledExecutorService replays = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "whisul-bridge-ledger");
        thread.setDaemon(true);
        return thread;
    });

    public PartitionOwnership(
            PromptPipeline pipeline,
            JobLedger ledger,
            JobDriver jobs,
            FencedWriter writer,
            RequestBudget budget,
            BridgeConfig config) {
        this.pipeline = pipeline;
        this.writer = writer;
        this.budget = budget;
        this.promptTopic = config.bridge().topics().prompts();
        this.ledger = ledger;
        this.jobs = jobs;
        // a submit under way ends within one request timeout; waiting longer would stall the rebalance
        this.handOverWait = ConfigChecks.handOverWait(config);
        Duration shutdown = config.bridge().shutdownTimeout().minus(ConfigChecks.SHUTDOWN_MARGIN);
        this.shutdownWait = shutdown.isNegative() ? Duration.ZERO : shutdown;
        replays.scheduleWithFixedDelay(
                this::checkpoint, CHECKPOINT_EVERY.toMillis(), CHECKPOINT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Commits where each owned partition's next replay starts, so that replays read open work, not retention. */
    private void checkpoint() {
        try {
            ledger.checkpoint(ledger.replayStarts(Set.copyOf(pipeline.ownedPartitions()), pipeline.jobsInFlight()));
        } catch (RuntimeException e) {
            LOG.warnf(
                    "could not commit the ledger checkpoints (%s); the next replay reads further back", e.getMessage());
        }
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // every rebalance ends here, in a cooperative one also with nothing new: what is assigned now is the share
        shareBudget(consumer, List.of());
        handOverWhatIsNoLongerAssigned(consumer);
        // only now, with nothing stale left running here, do fenced writes carry the new generation
        writer.generation(consumer.groupMetadata());
        if (partitions.isEmpty()) {
            return;
        }
        String promptTopic = partitions.iterator().next().topic();
        int promptPartitions = consumer.partitionsFor(promptTopic).size();
        for (TopicPartition partition : partitions) {
            Object token = pipeline.markAssigned(partition.partition());
            if (token != null) {
                replays.execute(() -> replayUntilRead(partition.partition(), token, promptPartitions));
            }
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // in a cooperative rebalance the group already has its next generation here: the steps the hand-over waits
        // for must write under it, or every one is refused until the wait runs out (and a submit is made twice)
        writer.generation(consumer.groupMetadata());
        pipeline.handOver(numbers(partitions), handOverWait);
        // a transaction that took a write of these partitions before they left ends before their next owner reads
        writer.drain(WRITER_DRAIN);
        // only now: submits the hand-over waited for went out under the old share; the next owner spends it after this
        shareBudget(consumer, partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // the group has moved on without us: no wait, the generation fences whatever is still under way, and the
        // share is someone else's already
        shareBudget(consumer, partitions);
        pipeline.handOver(numbers(partitions), Duration.ZERO);
    }

    /**
     * Sets the budget's share from what the consumer is assigned, without {@code leaving}. The partition count comes
     * from the client's metadata (the prompt topic is subscribed, so no request is made); should it fail, the last
     * known count is used rather than fail a rebalance callback.
     */
    private void shareBudget(Consumer<?, ?> consumer, Collection<TopicPartition> leaving) {
        try {
            promptPartitions = consumer.partitionsFor(promptTopic).size();
        } catch (RuntimeException metadataUnavailable) {
            LOG.warnf(
                    "could not read the partition count of %s (%s); sharing the request budget by the last known "
                            + "count, %d",
                    promptTopic, metadataUnavailable.getMessage(), promptPartitions);
        }
        budget.share(shareOf(consumer.assignment(), leaving, promptTopic, promptPartitions));
    }

    /** The prompt partitions of {@code assignment} that stay, over all {@code total} of the prompt topic. */
    static BudgetShare shareOf(
            Collection<TopicPartition> assignment, Collection<TopicPartition> leaving, String topic, int total) {
        Set<TopicPartition> kept = new HashSet<>(assignment);
        kept.removeAll(leaving);
        int owned = (int) kept.stream().filter(p -> p.topic().equals(topic)).count();
        return new BudgetShare(owned, Math.max(total, owned));
    }

    /** A callback that did not run (lost partitions, a listener that threw) must not leave jobs running here. */
    private void handOverWhatIsNoLongerAssigned(Consumer<?, ?> consumer) {
        Set<Integer> assigned =
                consumer.assignment().stream().map(TopicPartition::partition).collect(Collectors.toSet());
        List<Integer> stale = pipeline.assignedPartitions().stream()
                .filter(p -> !assigned.contains(p))
                .toList();
        if (!stale.isEmpty()) {
            LOG.warnf(
                    "partitions %s are owned here but no longer assigned (lost without a revocation): handing "
                            + "their jobs over now",
                    stale);
            pipeline.handOver(stale, Duration.ZERO);
            writer.drain(WRITER_DRAIN);
        }
    }

    private void replayUntilRead(int partition, Object token, int promptPartitions) {
        Duration backoff = REPLAY_RETRY_MIN;
        int injectedFailures = Integer.getInteger(FAIL_LEDGER_READS, 0);
        while (pipeline.isAssigned(partition, token)) {
            try {
                if (injectedFailures-- > 0) {
                    throw new JobLedger.LedgerUnreadableException(
                            "test fault injection (" + FAIL_LEDGER_READS + ")", null);
                }
                ledger.ensureTopic(promptPartitions);
                List<Job> resumed = new ArrayList<>();
                JobLedger.Replay replay = ledger.replay(
                        partition,
                        done -> pipeline.rememberFinished(new FinishedRequests.Finished(
                                done.requestId(),
                                done.jobId(),
                                done.outcome(),
                                done.updatedAt() == null ? null : Instant.parse(done.updatedAt()))));
                replay.open().forEach(open -> {
                    Job job = resume(partition, open.entry());
                    job.ledgerOffsetWritten(open.firstOffset());
                    resumed.add(job);
                });
                pipeline.adopt(partition, token, replay, resumed);
                return;
            } catch (RuntimeException unreadable) {
                LOG.errorf(
                        "ledger partition %d could not be read to its end (%s): partition %d is NOT taken and its "
                                + "prompts wait; retrying in %s",
                        partition, unreadable.getMessage(), partition, backoff);
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(REPLAY_RETRY_MAX) > 0
                        ? REPLAY_RETRY_MAX
                        : backoff.multipliedBy(2);
            }
        }
    }

    private Job resume(int partition, LedgerEntry entry) {
        return switch (entry.state()) {
            case QUEUED -> Job.resumedQueued(entry.event(), partition);
            case INTENT -> Job.resumedIntent(entry.event(), partition);
            case SUBMITTED -> jobs.resume(entry.event(), partition, entry.jobId(), Instant.parse(entry.acceptedAt()));
            case DECIDED ->
                Job.resumedOutcome(
                        entry.event(),
                        partition,
                        entry.jobId(),
                        new Job.RecordedOutcome(
                                entry.outcome(),
                                entry.outcomeTopic() == LedgerEntry.OutcomeTopic.SONGS,
                                entry.outcomeValue(),
                                entry.outcomeTraceparent(),
                                Instant.parse(entry.decidedAt())));
            case DONE -> throw new IllegalStateException("a done request is not open: " + entry.requestId());
        };
    }

    /** Runs before the messaging connectors close: stop the intake, let submits under way reach the ledger. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        pipeline.stopIntake();
        Collection<Integer> owned = pipeline.assignedPartitions();
        LOG.infof(
                "shutting down: intake stopped, handing over the jobs of partitions %s (waiting at most %s)",
                owned, shutdownWait);
        pipeline.handOver(owned, shutdownWait);
        writer.drain(WRITER_DRAIN);
        replays.shutdownNow();
        try {
            replays.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ledger.closeCheckpoints();
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).toList();
    }

    private static void sleep(Duration pause) {
        try {
            TimeUnit.MILLISECONDS.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
