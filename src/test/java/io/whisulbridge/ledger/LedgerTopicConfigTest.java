package io.whisulbridge.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ledger topic the service creates when it is missing. */
class LedgerTopicConfigTest {

    @ParameterizedTest(name = "{0} replica(s): min.insync.replicas {1}")
    @CsvSource({"1, 1", "2, 2", "3, 2"})
    void writesMustReachTwoCopiesWhereverThereAreTwo(short replicas, String minInSync) {
        assertThat(JobLedger.topicConfig(replicas, Duration.ofDays(7))).containsEntry("min.insync.replicas", minInSync);
    }

    @Test
    void segmentsRollHourlySoCompactionCanRunLongBeforeRetentionEnds() {
        assertThat(JobLedger.topicConfig((short) 3, Duration.ofDays(7)))
                .containsEntry("segment.ms", "3600000")
                .containsEntry("retention.ms", String.valueOf(Duration.ofDays(7).toMillis()))
                .containsEntry("cleanup.policy", "compact,delete");
    }
}
