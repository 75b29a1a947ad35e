package io.whisulbridge.client;

/**
 * This instance's part of the account's request budget: {@code WHISUL_MAX_REQUESTS_PER_SECOND} is the whole consumer
 * group's, and each instance spends it in proportion to the prompt partitions it owns. Work follows partitions, so
 * the shares of the group add up to the budget whatever the number of replicas; an instance that owns none (before its
 * first assignment, or after it lost them all) may make no call at all.
 *
 * @param owned prompt partitions assigned to this instance
 * @param total partitions of the prompt topic; 0 while unknown
 */
public record BudgetShare(int owned, int total) {

    /** Before the first assignment: nothing owned, nothing to spend. */
    public static final BudgetShare NONE = new BudgetShare(0, 0);

    public BudgetShare {
        if (owned < 0 || total < 0) {
            throw new IllegalArgumentException("partition counts cannot be negative: " + owned + " of " + total);
        }
    }

    /**
     * Owned over total, at most 1: a topic that just grew can show an assignment larger than the partition count the
     * client knows of, and that must not let one instance spend more than the account's whole budget.
     */
    public double fraction() {
        return owned == 0 || total == 0 ? 0 : Math.min(1, (double) owned / total);
    }

    /** What this instance may spend of the account's {@code budget}, in requests per second. */
    public double of(double budget) {
        return budget * fraction();
    }

    /** For the log: {@code 4 of 12 prompt partitions owned here, 6.67 requests/s of the account's 20}. */
    public String describe(double budget) {
        String partitions = total == 0
                ? "no prompt partition owned here yet"
                : owned + " of " + total + " prompt partitions owned here";
        return String.format(
                java.util.Locale.ROOT,
                "%s, %s requests/s of the account's %s",
                partitions,
                number(of(budget)),
                number(budget));
    }

    private static String number(double value) {
        return value == Math.rint(value)
                ? String.valueOf((long) value)
                : String.format(java.util.Locale.ROOT, "%.2f", value);
    }
}
