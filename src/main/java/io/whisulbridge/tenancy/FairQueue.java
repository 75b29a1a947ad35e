package io.whisulbridge.tenancy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Per-tenant FIFO queues served by deficit round robin: each round a tenant with something queued earns its weight in
 * credit and is served while its credit lasts, so over any stretch in which two tenants both have work their shares
 * of what is taken out are in proportion to their weights, and a tenant alone takes everything (nothing is held back
 * for tenants with nothing queued). Every item costs one credit: a submit is a submit whatever the prompt.
 *
 * <p>A tenant with an empty queue leaves the round and forgets its credit, as DRR prescribes: idle time is not saved
 * up for a burst later. Only tenants with queued items are kept, so memory follows what is queued, not how many
 * tenant names were ever seen. Not thread-safe: its owner serialises access.
 */
public final class FairQueue<T> {

    private final ToIntFunction<String> weights;
    private final Map<String, Tenant<T>> tenants = new HashMap<>();
    /** The round: tenants with something queued, in the order they are visited. */
    private final ArrayDeque<Tenant<T>> round = new ArrayDeque<>();

    private int size;

    /** @param weights a tenant's weight, at least 1 */
    public FairQueue(ToIntFunction<String> weights) {
        this.weights = weights;
    }

    public void add(String tenant, T item) {
        Tenant<T> queue =
                tenants.computeIfAbsent(tenant, name -> new Tenant<>(name, Math.max(1, weights.applyAsInt(name))));
        if (queue.items.isEmpty()) {
            queue.credit = 0;
            round.addLast(queue);
        }
        queue.items.addLast(item);
        size++;
    }

    /** The next item in fair order, or null when nothing is queued. */
    public T poll() {
        while (!round.isEmpty()) {
            Tenant<T> head = round.peekFirst();
            if (head.credit < 1) {
                head.credit += head.weight; // its turn in this round
            }
            T item = head.items.pollFirst();
            head.credit--;
            size--;
            if (head.items.isEmpty()) {
                round.pollFirst();
                tenants.remove(head.name);
                head.credit = 0;
            } else if (head.credit < 1) {
                round.addLast(round.pollFirst()); // spent: the next tenant's turn
            }
            return item;
        }
        return null;
    }

    /** Takes out every queued item that {@code leaving} accepts (its job left before its turn), in one pass. */
    public int removeIf(Predicate<T> leaving) {
        int removed = 0;
        for (Iterator<Tenant<T>> it = round.iterator(); it.hasNext(); ) {
            Tenant<T> queue = it.next();
            int before = queue.items.size();
            queue.items.removeIf(leaving);
            removed += before - queue.items.size();
            if (queue.items.isEmpty()) {
                it.remove();
                tenants.remove(queue.name);
            }
        }
        size -= removed;
        return removed;
    }

    public int size() {
        return size;
    }

    public int size(String tenant) {
        Tenant<T> queue = tenants.get(tenant);
        return queue == null ? 0 : queue.items.size();
    }

    /** Queued items per tenant with anything queued: for the metrics. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new HashMap<>();
        tenants.forEach((name, queue) -> sizes.put(name, queue.items.size()));
        return sizes;
    }

    private static final class Tenant<T> {
        final String name;
        final int weight;
        final ArrayDeque<T> items = new ArrayDeque<>();
        int credit;

        Tenant(String name, int weight) {
            this.name = name;
            this.weight = weight;
        }
    }
}
