package io.whisulbridge.tenancy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Per-tenant FIFO queues served by weighted fair queueing on recent usage: the next item comes from the tenant with
 * something queued whose recent usage, divided by its weight, is smallest; among equals, the one served longest ago.
 * Usage is what a tenant was served, each item counting one and decaying with a half-life of {@link #HALF_LIFE}, so:
 * <ul>
 *   <li>a tenant alone takes everything (nothing is held back for tenants with nothing queued);</li>
 *   <li>while tenants keep waiting, what they are served settles in proportion to their weights;</li>
 *   <li>a quiet tenant arriving behind a flood is served first until its recent usage (per weight) reaches the
 *       flood's, so a flood delays it by less than an equal split of the flood's own rate would, not by the
 *       flood's length; a flood arriving behind a busy tenant catches up within a few half-lives.</li>
 * </ul>
 * Plain deficit round robin would give the quiet tenant half the turns from its first prompt on, however little it
 * used before: with 50 quiet prompts behind 5,000, twice its time alone at best (BENCHMARKS.md, "Fair shares").
 *
 * <p>Memory is bounded: queues exist only for tenants with something queued, and the usage of tenants whose queue
 * emptied is remembered for at most {@link #REMEMBERED_IDLE} of them (a flood whose reading lags its serving would
 * otherwise start from nothing each time its queue runs dry), dropping the smallest first. Usage is kept in units
 * that grow with time instead of decaying every tenant's count: the order is the same, and no tenant is touched
 * but the one served. Not thread-safe: its owner serialises access.
 */
public final class FairQueue<T> {

    public static final Duration HALF_LIFE = Duration.ofSeconds(10);
    public static final int REMEMBERED_IDLE = 4096;

    private static final double NANOS_PER_E_FOLD = HALF_LIFE.toNanos() / Math.log(2);
    /** Units grow as e^(age / e-fold); rebased before doubles lose precision. */
    private static final double REBASE_AT = 500;

    private final ToIntFunction<String> weights;
    private final LongSupplier clock;
    private final Map<String, Tenant<T>> queued = new LinkedHashMap<>();
    private final LinkedHashMap<String, Double> idleUsage = new LinkedHashMap<>();
    private long base;
    private long served;
    private int size;

    /**
     * @param weights a tenant's weight, at least 1
     * @param clock   {@link System#nanoTime()} or a test's
     */
    public FairQueue(ToIntFunction<String> weights, LongSupplier clock) {
        this.weights = weights;
        this.clock = clock;
        this.base = clock.getAsLong();
    }

    public void add(String tenant, T item) {
        Tenant<T> queue = queued.get(tenant);
        if (queue == null) {
            Double usage = idleUsage.remove(tenant);
            queue = new Tenant<>(tenant, Math.max(1, weights.applyAsInt(tenant)), usage == null ? 0 : usage);
            queued.put(tenant, queue);
        }
        queue.items.addLast(item);
        size++;
    }

    /** The next item in fair order, or null when nothing is queued. */
    public T poll() {
        if (size == 0) {
            return null;
        }
        Tenant<T> next = null;
        for (Tenant<T> candidate : queued.values()) {
            if (next == null || candidate.comesBefore(next)) {
                next = candidate;
            }
        }
        T item = next.items.pollFirst();
        size--;
        next.usage += unitNow();
        next.lastServed = ++served;
        if (next.items.isEmpty()) {
            queued.remove(next.name);
            rememberIdle(next);
        }
        return item;
    }

    /** {@code tenant} was served one item without waiting here (its turn came at once): it counts as usage all the same. */
    public void charge(String tenant) {
        Tenant<T> queue = queued.get(tenant);
        double unit = unitNow();
        if (queue != null) {
            queue.usage += unit;
        } else {
            idleUsage.merge(tenant, unit, Double::sum);
            trimIdle();
        }
    }

    /** Takes out every queued item that {@code leaving} accepts (its job left before its turn), in one pass. */
    public int removeIf(Predicate<T> leaving) {
        int removed = 0;
        for (Iterator<Tenant<T>> it = queued.values().iterator(); it.hasNext(); ) {
            Tenant<T> queue = it.next();
            int before = queue.items.size();
            queue.items.removeIf(leaving);
            removed += before - queue.items.size();
            if (queue.items.isEmpty()) {
                it.remove();
                rememberIdle(queue);
            }
        }
        size -= removed;
        return removed;
    }

    public int size() {
        return size;
    }

    public int size(String tenant) {
        Tenant<T> queue = queued.get(tenant);
        return queue == null ? 0 : queue.items.size();
    }

    /** Queued items per tenant with anything queued: for the metrics. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new HashMap<>();
        queued.forEach((name, queue) -> sizes.put(name, queue.items.size()));
        return sizes;
    }

    /** Tenants whose usage is remembered while nothing of theirs is queued (at most {@link #REMEMBERED_IDLE}). */
    public int idleTenantsRemembered() {
        return idleUsage.size();
    }

    /** What serving one item adds to a tenant's usage now, in units that grow with time; rebases when they get large. */
    private double unitNow() {
        double exponent = (clock.getAsLong() - base) / NANOS_PER_E_FOLD;
        if (exponent > REBASE_AT) {
            double shrink = Math.exp(-exponent);
            queued.values().forEach(queue -> queue.usage *= shrink);
            idleUsage.replaceAll((tenant, usage) -> usage * shrink);
            idleUsage.values().removeIf(usage -> usage < Double.MIN_NORMAL);
            base = clock.getAsLong();
            exponent = 0;
        }
        return Math.exp(exponent);
    }

    private void rememberIdle(Tenant<T> tenant) {
        idleUsage.put(tenant.name, tenant.usage);
        trimIdle();
    }

    private void trimIdle() {
        if (idleUsage.size() > REMEMBERED_IDLE) {
            String least = idleUsage.entrySet().stream()
                    .min(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            idleUsage.remove(least); // forgetting the smallest usage favours that tenant least
        }
    }

    private static final class Tenant<T> {
        final String name;
        final int weight;
        final ArrayDeque<T> items = new ArrayDeque<>();
        double usage;
        long lastServed;

        Tenant(String name, int weight, double usage) {
            this.name = name;
            this.weight = weight;
            this.usage = usage;
        }

        boolean comesBefore(Tenant<?> other) {
            double mine = usage / weight;
            double theirs = other.usage / other.weight;
            // equal within rounding: the one served longest ago goes first, so equals take turns
            if (Math.abs(mine - theirs) <= 1e-9 * Math.max(mine, theirs)) {
                return lastServed < other.lastServed;
            }
            return mine < theirs;
        }
    }
}
