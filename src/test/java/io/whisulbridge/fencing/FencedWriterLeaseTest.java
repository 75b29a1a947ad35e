package io.whisulbridge.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Uni;
import io.whisulbridge.support.BridgeConfigs;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lease is judged when a gate runs, not when it is built. No broker: with no group generation known, every
 * gate that needs a transaction is refused at once, which is all these tests need to see.
 */
class FencedWriterLeaseTest {

    private final FencedWriter writer =
            new FencedWriter(Map.of("bootstrap.servers", "127.0.0.1:9"), BridgeConfigs.config(Map.of()), 10_000, 1_000);

    @AfterEach
    void stop() {
        writer.close();
    }

    private static boolean passes(Uni<Void> gate) {
        try {
            gate.await().atMost(Duration.ofSeconds(5));
            return true;
        } catch (FencedWriteException refused) {
            return false;
        }
    }

    @Test
    void aGateBuiltWhileTheLeaseHeldButRunAfterItLapsedIsRefused() {
        writer.ownership(partition -> true);
        writer.provenAt(System.nanoTime()); // a commit just proved the generation
        Uni<Void> gate = writer.fence(0); // a submit builds its gate, then waits for the budget

        writer.provenAt(0); // meanwhile the proof lapsed (a refused commit, a new generation, time)

        assertThat(passes(gate)).isFalse();
    }

    @Test
    void aGateRunWhileTheLeaseHoldsPassesWithoutATransaction() {
        writer.ownership(partition -> true);
        writer.provenAt(System.nanoTime());

        assertThat(passes(writer.fence(0))).isTrue();
    }

    @Test
    void aPartitionNotOwnedIsRefusedWhateverTheLease() {
        writer.ownership(partition -> partition != 3);
        writer.provenAt(System.nanoTime());

        assertThat(passes(writer.fence(3))).isFalse();
    }
}
