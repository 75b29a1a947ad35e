package io.whisulbridge.polling;

/**
 * The fewest polls that keep detection lag within a target, for a known survival curve: dynamic programming over a
 * time grid. A job known to be running at age {@code s} is polled next at some age {@code t >= s + interval}; that
 * poll costs one request if the job is still running at {@code s} (chance {@code S(s)}), and every job that finished
 * in {@code (s, t - lag)} is found more than {@code lag} late. Minimising polls plus {@code price} times the late
 * share, and searching the price until the late share is at most the allowed one, gives the cheapest plan whose
 * lag quantile is the target (a Lagrangian relaxation of the constrained problem).
 *
 * <p>The plan depends only on the age of the last poll, which is all a schedule knows of a running job. Pure
 * arithmetic; the cost is quadratic in the grid, so callers plan once and look up often.
 */
public final class PollPlanner {

    // a late job costs between a thousandth of a poll and a billion polls; 30 halvings of that range in log space
    // pin the price to within 0.1 %, more than the grid resolves
    private static final double MIN_PRICE = 1e-3;
    private static final double MAX_PRICE = 1e9;
    private static final int SEARCH_STEPS = 30;

    /**
     * @param nextPoll  for each grid state {@code k} (a poll found the job running at age {@code k * step}), the grid
     *                  state of the next poll, or -1 where the plan has nothing to say (past the known curve)
     * @param polls     expected polls per job from age 0
     * @param lateShare expected share of jobs found later than the lag target
     */
    public record Plan(int[] nextPoll, double polls, double lateShare) {}

    private final double[] survival;
    private final double step;
    private final int minGap;
    private final double[] lateBefore;
    private final boolean closed;

    /**
     * @param survival {@code survival[k]}: chance that a job runs longer than {@code k * step}; {@code survival[0]} is 1
     * @param step     seconds between grid points
     * @param interval seconds, the least time between two polls of a job (and from acceptance to the first)
     * @param lag      seconds, the lag target
     * @param closed   whether the curve ends at the deadline (every job is over by its last point) rather than where
     *                 the data run out; only a closed curve forces a last poll at its end
     */
    public PollPlanner(double[] survival, double step, double interval, double lag, boolean closed) {
        if (survival.length < 1 || !(step > 0) || !(interval > 0) || lag < 0) {
            throw new IllegalArgumentException("need a curve, a positive step and interval, a lag of at least 0");
        }
        this.survival = survival.clone();
        this.step = step;
        this.minGap = Math.max(1, (int) Math.ceil(interval / step - 1e-9));
        this.closed = closed;
        // lateBefore[t]: share of jobs that finished before age t * step - lag, so a poll at t finds them late
        this.lateBefore = new double[survival.length];
        for (int t = 0; t < survival.length; t++) {
            lateBefore[t] = finishedBy(t * step - lag);
        }
    }

    public int gridSize() {
        return survival.length;
    }

    public double step() {
        return step;
    }

    /** The cheapest plan that lets {@code polls + price * lateShare} be least. */
    public Plan plan(double price) {
        int n = survival.length;
        double[] cost = new double[n];
        double[] polls = new double[n];
        double[] late = new double[n];
        int[] next = new int[n];
        for (int k = n - 1; k >= 0; k--) {
            next[k] = -1;
            double alive = survival[k];
            if (alive <= 0) {
                continue; // nobody is left to poll
            }
            double best = Double.POSITIVE_INFINITY;
            int first = k + minGap;
            if (first >= n) {
                if (!closed || k == n - 1) {
                    continue; // beyond the known curve, or at its end: the caller decides
                }
                first = n - 1; // the deadline comes before the interval: one last poll at it
            }
            double finishedAtK = 1 - alive;
            for (int t = first; t < n; t++) {
                double lateHere = Math.max(0, lateBefore[t] - finishedAtK);
                double c = alive + price * lateHere + cost[t];
                if (c < best) {
                    best = c;
                    next[k] = t;
                    polls[k] = alive + polls[t];
                    late[k] = lateHere + late[t];
                }
            }
            cost[k] = best;
        }
        return new Plan(next, polls[0], late[0]);
    }

    /**
     * The plan with the fewest polls whose late share is at most {@code allowedLate}, over prices found by
     * bisection: the late share falls as the price rises.
     */
    public Plan cheapest(double allowedLate) {
        Plan[] bracket = bracket(allowedLate);
        return bracket[1];
    }

    /**
     * The fewest polls per job any schedule can make with at most {@code allowedLate} of jobs found late, allowing a
     * schedule that picks one of two plans at random per job (the lower convex hull of what plans can do).
     */
    public double fewestPolls(double allowedLate) {
        Plan[] bracket = bracket(allowedLate);
        Plan over = bracket[0];
        Plan within = bracket[1];
        if (over == null || over.lateShare() <= within.lateShare() + 1e-12) {
            return within.polls();
        }
        double share = (allowedLate - within.lateShare()) / (over.lateShare() - within.lateShare());
        share = Math.max(0, Math.min(1, share));
        return share * over.polls() + (1 - share) * within.polls();
    }

    /** [a plan over the allowed late share (or null), the cheapest plan within it]. */
    private Plan[] bracket(double allowedLate) {
        Plan cheap = plan(0);
        if (cheap.lateShare() <= allowedLate) {
            return new Plan[] {null, cheap};
        }
        Plan within = plan(MAX_PRICE);
        if (within.lateShare() > allowedLate) {
            return new Plan[] {null, within}; // nothing meets it: the most careful plan is the best there is
        }
        Plan over = cheap;
        double low = MIN_PRICE;
        double high = MAX_PRICE;
        for (int i = 0; i < SEARCH_STEPS; i++) {
            double mid = Math.sqrt(low * high);
            Plan p = plan(mid);
            if (p.lateShare() <= allowedLate) {
                high = mid;
                within = p;
            } else {
                low = mid;
                over = p;
            }
        }
        return new Plan[] {over, within};
    }

    /** Share of jobs finished by age {@code seconds}, linear between grid points. */
    private double finishedBy(double seconds) {
        if (seconds <= 0) {
            return 0;
        }
        double x = seconds / step;
        int k = (int) Math.floor(x);
        if (k >= survival.length - 1) {
            return 1 - survival[survival.length - 1];
        }
        double s = survival[k] + (survival[k + 1] - survival[k]) * (x - k);
        return 1 - s;
    }
}
