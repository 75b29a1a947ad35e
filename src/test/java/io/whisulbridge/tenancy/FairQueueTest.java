package io.whisulbridge.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FairQueueTest {

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
        FairQueue<String> queue = new FairQueue<>(tenant -> 1);
        for (int i = 0; i < 100; i++) {
            queue.add("a", "a-" + i);
        }
        queue.add("b", "b-0");
        queue.add("b", "b-1");

        assertThat(drain(queue, 5)).containsExactly("a-0", "b-0", "a-1", "b-1", "a-2");
    }

    @Test
    void weightsSetTheSharesOfWhatIsTakenWhileBothWait() {
        FairQueue<String> queue = new FairQueue<>(tenant -> tenant.equals("gold") ? 4 : 1);
        for (int i = 0; i < 1000; i++) {
            queue.add("gold", "gold-" + i);
            queue.add("std", "std-" + i);
        }

        Map<String, Integer> served = tenantsOf(drain(queue, 500));

        assertThat(served).containsEntry("gold", 400).containsEntry("std", 100);
    }

    @Test
    void aTenantAloneTakesEverything() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1);
        for (int i = 0; i < 10; i++) {
            queue.add("a", "a-" + i);
        }

        assertThat(drain(queue, 20)).hasSize(10);
        assertThat(queue.poll()).isNull();
        assertThat(queue.size()).isZero();
    }

    @Test
    void anEmptyTenantLeavesTheRoundAndKeepsNoCredit() {
        FairQueue<String> queue = new FairQueue<>(tenant -> tenant.equals("a") ? 3 : 1);
        queue.add("a", "a-0");
        assertThat(queue.poll()).isEqualTo("a-0"); // a emptied with 2 credits left, which it must not keep
        for (int i = 1; i <= 4; i++) {
            queue.add("b", "b-" + i);
        }
        for (int i = 1; i <= 4; i++) {
            queue.add("a", "a-" + i);
        }

        assertThat(drain(queue, 4)).containsExactly("b-1", "a-1", "a-2", "a-3");
        assertThat(queue.sizes()).containsOnlyKeys("a", "b");
    }

    @Test
    void noTenantStarvesHoweverHeavyTheOthers() {
        FairQueue<String> queue = new FairQueue<>(tenant -> tenant.startsWith("heavy") ? 1000 : 1);
        for (int i = 0; i < 5000; i++) {
            queue.add("heavy1", "heavy1-" + i);
            queue.add("heavy2", "heavy2-" + i);
        }
        queue.add("light", "light-0");

        assertThat(drain(queue, 2001)).contains("light-0");
    }

    @Test
    void onlyTenantsWithSomethingQueuedAreKept() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1);
        for (int i = 0; i < 10_000; i++) {
            queue.add("t" + i, "t" + i + "-0");
            queue.poll();
        }

        assertThat(queue.sizes()).isEmpty();
        assertThat(queue.size()).isZero();
    }

    @Test
    void leavingItemsAreTakenOutInOnePassAndTheRestKeepTheirOrder() {
        FairQueue<String> queue = new FairQueue<>(tenant -> 1);
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
