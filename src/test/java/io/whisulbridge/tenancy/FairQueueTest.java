package io.whisulbridge.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class FairQueueTest {

    private long now;
    private final LongSupplier clock = () -> now;

    private static List<String> drain(FairQueue<String> queue, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String next = queue.poll();
            if (next == null) {
                break;
            }
            out.add(next);
        }
        return out;
    }

    private static Map<String, Integer> tenantsOf(List<String> items) {
        Map<String, Integer> counts = new HashMap<>();
        items.forEach(item -> counts.merge(item.substring(0, item.indexOf('-')), 1, Integer::sum));
        return counts;
    }

    @Test
    void equalWeightsAlternateBetweenTenantsWhateverWasQueuedFirst() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < 100; i++) {
            queue.add("a", "a-" + i);
        }
        queue.add("b", "b-0");
        queue.add("b", "b-1");

        assertThat(drain(queue, 5)).containsExactly("a-0", "b-0", "a-1", "b-1", "a-2");
    }

    @Test
    void weightsSetTheSharesOfWhatIsTakenWhileBothWait() {
        FairQueue<String> queue = new FairQueue<>(tenant -> tenant.equals("gold") ? 4 : 1, clock);
        for (int i = 0; i < 1000; i++) {
            queue.add("gold", "gold-" + i);
            queue.add("std", "std-" + i);
        }

        Map<String, Integer> served = tenantsOf(drain(queue, 500));

        assertThat(served).containsEntry("gold", 400).containsEntry("std", 100);
    }

    @Test
    void aTenantAloneTakesEverything() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < 10; i++) {
            queue.add("a", "a-" + i);
        }

        assertThat(drain(queue, 20)).hasSize(10);
        assertThat(queue.poll()).isNull();
        assertThat(queue.size()).isZero();
    }

    @Test
    void aTenantWhoseQueueRanDryKeepsItsRecentUsage() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < 3; i++) {
            queue.add("flood", "flood-" + i);
            queue.poll(); // read as fast as served: the flood's queue runs dry after every prompt
        }
        queue.add("flood", "flood-3");
        queue.add("flood", "flood-4");
        queue.add("quiet", "quiet-0");
        queue.add("quiet", "quiet-1");

        assertThat(drain(queue, 4)).containsExactly("quiet-0", "quiet-1", "flood-3", "flood-4");
    }

    @Test
    void aQuietTenantIsServedFirstUntilItsRecentUsageCatchesUpWithTheFloods() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < 200; i++) {
            queue.add("flood", "flood-" + i);
        }
        for (int i = 0; i < 20; i++) {
            now += 50_000_000L; // the flood served at 20/s for a second
            queue.poll();
        }
        for (int i = 0; i < 50; i++) {
            queue.add("quiet", "quiet-" + i);
        }

        List<String> next = drain(queue, 40);

        assertThat(tenantsOf(next.subList(0, 20))).containsOnlyKeys("quiet");
        assertThat(tenantsOf(next.subList(20, 40))).containsEntry("quiet", 10).containsEntry("flood", 10);
    }

    @Test
    void itemsServedWithoutWaitingCountAsUsage() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        queue.charge("flood");
        queue.charge("flood");
        queue.add("flood", "flood-0");
        queue.add("quiet", "quiet-0");
        queue.add("quiet", "quiet-1");

        assertThat(drain(queue, 3)).containsExactly("quiet-0", "quiet-1", "flood-0");
    }

    @Test
    void usageDecaysSoAFloodsPastStopsCountingAfterAFewHalfLives() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < 100; i++) {
            queue.add("early", "early-" + i);
            queue.poll();
        }
        now += FairQueue.HALF_LIFE.toNanos() * 10; // 100 served, a thousandth of it left: 0.1
        queue.add("early", "early-x");
        queue.add("late", "late-0");
        queue.add("late", "late-1");

        assertThat(drain(queue, 3)).containsExactly("late-0", "early-x", "late-1");
    }

    @Test
    void theUsageOfTenantsWithNothingQueuedIsRememberedForABoundedNumberOfThem() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < FairQueue.REMEMBERED_IDLE + 500; i++) {
            queue.add("t" + i, "t" + i + "-0");
            queue.poll();
        }

        assertThat(queue.idleTenantsRemembered()).isEqualTo(FairQueue.REMEMBERED_IDLE);
        assertThat(queue.sizes()).isEmpty();
    }

    @Test
    void unitsRebaseWithoutChangingTheOrder() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        queue.add("a", "a-0");
        queue.add("a", "a-1");
        queue.poll();
        now += FairQueue.HALF_LIFE.toNanos() * 1000; // far past the point where units are rebased
        queue.add("b", "b-0");
        queue.add("b", "b-1");

        assertThat(drain(queue, 3)).containsExactly("b-0", "a-1", "b-1");
    }

    @Test
    void noTenantStarvesHoweverHeavyTheOthers() {
        FairQueue<String> queue = new FairQueue<>(tenant -> tenant.startsWith("heavy") ? 1000 : 1, clock);
        for (int i = 0; i < 5000; i++) {
            queue.add("heavy1", "heavy1-" + i);
            queue.add("heavy2", "heavy2-" + i);
        }
        queue.add("light", "light-0");

        assertThat(drain(queue, 2001)).contains("light-0");
    }

    @Test
    void onlyTenantsWithSomethingQueuedAreKept() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < 10_000; i++) {
            queue.add("t" + i, "t" + i + "-0");
            queue.poll();
        }

        assertThat(queue.sizes()).isEmpty();
        assertThat(queue.size()).isZero();
    }

    @Test
    void leavingItemsAreTakenOutInOnePassAndTheRestKeepTheirOrder() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1, clock);
        for (int i = 0; i < 3; i++) {
            queue.add("a", "a-" + i);
            queue.add("b", "b-" + i);
        }

        int removed = queue.removeIf(item -> item.startsWith("b") || item.equals("a-1"));

        assertThat(removed).isEqualTo(4);
        assertThat(queue.size()).isEqualTo(2);
        assertThat(drain(queue, 10)).containsExactly("a-0", "a-2");
    }
}
