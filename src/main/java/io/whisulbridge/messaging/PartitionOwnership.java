package io.whisulbridge.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.config.ConfigChecks;
import io.whisulbridge.ledger.JobLedger;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Who owns which jobs. Owning prompt partition p means owning ledger partition p: on assignment the ledger is
 * replayed (blocking the consumer thread, so no prompt of p is handed out before its jobs are known), on revocation
 * and at shutdown the jobs of p are handed over.
 */
@ApplicationScoped
@Identifier(PartitionOwnership.NAME)
public class PartitionOwnership implements KafkaConsumerRebalanceListener {

    public static final String NAME = "whisul-bridge-partition-ownership";

    private static final Logger LOG = Logger.getLogger(PartitionOwnership.class);

    private final PromptPipeline pipeline;
    private final JobLedger ledger;
    private final Duration handOverWait;
    private final Duration shutdownWait;

    public PartitionOwnership(PromptPipeline pipeline, JobLedger ledger, BridgeConfig config) {
        this.pipeline = pipeline;
        this.ledger = ledger;
        // a submit under way ends within one request timeout; waiting longer would stall the rebalance
        this.handOverWait = ConfigChecks.handOverWait(config);
        Duration shutdown = config.bridge().shutdownTimeout().minus(ConfigChecks.SHUTDOWN_MARGIN);
        this.shutdownWait = shutdown.isNegative() ? Duration.ZERO : shutdown;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        String promptTopic = partitions.iterator().next().topic();
        ledger.ensureTopic(consumer.partitionsFor(promptTopic).size());
        for (TopicPartition partition : partitions) {
            pipeline.adopt(partition.partition(), ledger.replay(partition.partition()));
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        pipeline.handOver(numbers(partitions), handOverWait);
    }



    /** Runs before the messaging connectors close: stop the intake, let submits under way reach the ledger. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        pipeline.stopIntake();
        Collection<Integer> owned = pipeline.ownedPartitions();
        LOG.infof("shutting down: intake stopped, handing over the jobs of partitions %s (waiting at most %s)", owned, shutdownWait);
        pipeline.handOver(owned, shutdownWait);
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).toList();
    }
}
