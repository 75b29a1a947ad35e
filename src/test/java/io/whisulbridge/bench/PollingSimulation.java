package io.whisulbridge.bench;

import io.whisulbridge.client.RequestBudget;
import io.whisulbridge.client.SimulatedBudget;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.polling.AdaptivePollSchedule;
import io.whisulbridge.polling.BackoffPollSchedule;
import io.whisulbridge.polling.DurationEstimator;
import io.whisulbridge.polling.PollPlanner;
import io.whisulbridge.polling.PollSchedule;
import io.whisulbridge.polling.SurvivalEstimator;
import io.whisulbridge.polling.SurvivalPollSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.DoubleConsumer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Issue 15's polling matrix as a discrete-event simulation: simulated time drives the real schedule classes (the
 * same constructors and defaults as {@code JobDriver}), the poll-delay rule {@link PollSchedule#nextPoll} that
 * {@code JobPolicy} applies, and the request priorities of {@link RequestBudget}. What is modelled rather than run:
 * Whisul (a job ends a drawn length after its submit is granted; calls take no time), the budget's token bucket
 * (AimdRate's, without 429s: bucket of 100 ms of calls), admission ({@code BRIDGE_MAX_IN_FLIGHT} jobs, then prompts
 * wait in arrival order) and the naive baseline (200 threads, 5 s sleep before every poll, calls in arrival order).
 * Hours of job time take seconds, so every cell of the matrix runs, and the optimum is computed for each.
 */
final class PollingSimulation {

    enum Arrival {
        STEADY,
        BACKLOG
    }

    /**
     * @param steadyRate     prompts per second of the steady stream
     * @param steadyWarmup   seconds of stream before jobs are measured
     * @param steadyFor      seconds of stream in all
     * @param backlogPrompts prompts published at once in the backlog
     * @param gridStep       seconds between grid points of the optimum
     */
    record Sizes(
            double steadyRate, double steadyWarmup, double steadyFor, int backlogPrompts, double gridStep, long seed) {

        /** The benchmark's: a steady stream of 4 prompts/s (as the real-time bench) for 20 minutes, 5,000 at once. */
        static Sizes full() {
            return new Sizes(4, 300, 1200, 5000, 0.25, 15);
        }

        /** For the test suite: a few seconds for the whole matrix. */
        static Sizes small() {
            return new Sizes(4, 240, 480, 1500, 0.5, 15);
        }
    }

    /** {@code budget} in requests per second; infinite for unlimited. */
    record Cell(JobLengths lengths, Arrival arrival, double budget) {
        String label() {
            return lengths.name().toLowerCase(Locale.ROOT) + " "
                    + arrival.name().toLowerCase(Locale.ROOT) + " "
                    + (Double.isInfinite(budget) ? "unlimited" : String.format(Locale.ROOT, "%.0f req/s", budget));
        }

        boolean binding() {
            return !Double.isInfinite(budget);
        }
    }

    /**
     * @param songsPerMinute    completions per minute (steady: after the warm-up, while prompts arrive; backlog: all
     *                          jobs over the time to the last)
     * @param budgetWaitP95     seconds polls waited for the budget: the lag the budget costs
     * @param optimum           fewest requests per job (submit + polls) any schedule makes at this p95 lag
     * @param closestPolls      the shortest time between two calls of one job, seconds
     */
    record Result(
            Cell cell,
            String system,
            int jobs,
            int unfinished,
            double songsPerMinute,
            double requestsPerJob,
            double lagP50,
            double lagP95,
            double budgetWaitMean,
            double budgetWaitP95,
            double optimum,
            double closestPolls,
            double peakRequestRate) {
        double ratio() {
            return requestsPerJob / optimum;
        }
    }

    static final String[] SYSTEMS = {"fixed 5 s", "backoff", "adaptive", "survival", "naive (sleep 5 s)"};
    static final double INTERVAL = 5;
    static final double ALLOWED_LATE = 0.05;
    private static final int MAX_IN_FLIGHT = 1000;
    private static final int NAIVE_THREADS = 200;
    private static final double GIVE_UP_AFTER = 12 * 3600;

    private final Sizes sizes;
    private final Map<String, Double> optima = new HashMap<>();

    PollingSimulation(Sizes sizes) {
        this.sizes = sizes;
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (JobLengths lengths : JobLengths.values()) {
            for (Arrival arrival : Arrival.values()) {
                cells.add(new Cell(lengths, arrival, Double.POSITIVE_INFINITY));
                cells.add(new Cell(lengths, arrival, 20));
            }
        }
        return cells;
    }

    List<Result> runAll() {
        List<Result> results = new ArrayList<>();
        for (Cell cell : cells()) {
            for (String system : SYSTEMS) {
                results.add(run(cell, system));
            }
        }
        return results;
    }

    /** The bridge's schedules with the service's defaults (BridgeConfig, JobDriver). */
    static PollSchedule schedule(String system) {
        BackoffPollSchedule backoff =
                new BackoffPollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10), 1.5, 0.2);
        return switch (system) {
            case "fixed 5 s" -> BackoffPollSchedule.fixed(Duration.ofSeconds(5), Duration.ofSeconds(5));
            case "backoff" -> backoff;
            case "adaptive" -> new AdaptivePollSchedule(backoff, new DurationEstimator(1000, 50), 20, 0.05, 0.95);
            case "survival" ->
                new SurvivalPollSchedule(
                        backoff,
                        new SurvivalEstimator(Duration.ofMinutes(10), 1000),
                        Duration.ofSeconds(8),
                        0.05,
                        20,
                        500);
            default -> throw new IllegalArgumentException(system);
        };
    }

    private static BridgeConfig.PollScheduleKind kind(String system) {
        return switch (system) {
            case "adaptive" -> BridgeConfig.PollScheduleKind.ADAPTIVE;
            case "survival" -> BridgeConfig.PollScheduleKind.SURVIVAL;
            case "backoff" -> BridgeConfig.PollScheduleKind.BACKOFF;
            default -> BridgeConfig.PollScheduleKind.FIXED; // and the naive baseline: its calls are all priority 0
        };
    }

    Result run(Cell cell, String system) {
        // the cell's label, not its hashCode: a record's hash includes its enums' identity hashes, which change from
        // JVM to JVM, and the simulation must repeat (the suite asserts on its figures)
        SplittableRandom random =
                new SplittableRandom(sizes.seed() + cell.label().hashCode());
        Clock clock = new Clock();
        Budget budget = new Budget(clock, cell.budget(), kind(system).defersFirstPoll());
        List<SimJob> jobs = new ArrayList<>();
        double measureFrom;
        double measureTo;
        if (cell.arrival() == Arrival.STEADY) {
            int n = (int) Math.round(sizes.steadyRate() * sizes.steadyFor());
            for (int i = 0; i < n; i++) {
                double at = i / sizes.steadyRate();
                jobs.add(new SimJob(at, cell.lengths().sample(random), at >= sizes.steadyWarmup()));
            }
            measureFrom = sizes.steadyWarmup();
            measureTo = sizes.steadyFor();
        } else {
            for (int i = 0; i < sizes.backlogPrompts(); i++) {
                jobs.add(new SimJob(0, cell.lengths().sample(random), true));
            }
            measureFrom = 0;
            measureTo = Double.NaN;
        }
        Runner runner = system.startsWith("naive")
                ? new Naive(clock, budget)
                : new Bridge(clock, budget, schedule(system), random);
        for (SimJob job : jobs) {
            clock.at(job.arrival, () -> runner.arrive(job));
        }
        clock.runUntil(GIVE_UP_AFTER);
        return summarise(cell, system, jobs, measureFrom, measureTo, budget);
    }

    private Result summarise(Cell cell, String system, List<SimJob> jobs, double from, double to, Budget budget) {
        List<SimJob> measured = jobs.stream().filter(j -> j.measured).toList();
        List<SimJob> done = measured.stream().filter(j -> !Double.isNaN(j.lag)).toList();
        double[] lags = done.stream().mapToDouble(j -> j.lag).sorted().toArray();
        double[] waits = done.stream()
                .flatMapToDouble(j -> Arrays.stream(j.waits.toArray()))
                .sorted()
                .toArray();
        double songsPerMinute;
        if (Double.isNaN(to)) {
            double last = jobs.stream()
                    .mapToDouble(j -> j.endedAt)
                    .filter(x -> !Double.isNaN(x))
                    .max()
                    .orElse(Double.NaN);
            songsPerMinute = done.size() / last * 60;
        } else {
            long inWindow = jobs.stream()
                    .filter(j -> !Double.isNaN(j.lag) && j.endedAt >= from && j.endedAt < to)
                    .count();
            songsPerMinute = inWindow / (to - from) * 60;
        }
        double requests = done.stream().mapToDouble(j -> j.requests).average().orElse(Double.NaN);
        double p95 = quantile(lags, 0.95);
        return new Result(
                cell,
                system,
                done.size(),
                measured.size() - done.size(),
                songsPerMinute,
                requests,
                quantile(lags, 0.5),
                p95,
                Arrays.stream(waits).average().orElse(0),
                quantile(waits, 0.95),
                optimum(cell.lengths(), p95),
                done.stream().mapToDouble(j -> j.closestGap).min().orElse(Double.NaN),
                budget.peakPerSecond());
    }

    /** Fewest requests per job (the submit and the polls) at a p95 lag of {@code lag}, any schedule, budget ignored. */
    double optimum(JobLengths lengths, double lag) {
        if (Double.isNaN(lag)) {
            return Double.NaN;
        }
        String key = lengths + "@" + String.format(Locale.ROOT, "%.3f", lag);
        return optima.computeIfAbsent(
                key, k -> 1 + planner(lengths, lag, sizes.gridStep()).fewestPolls(ALLOWED_LATE));
    }

    static PollPlanner planner(JobLengths lengths, double lag, double step) {
        double[] s = lengths.survivalCurve(step);
        int end = 0;
        while (end < s.length - 1 && s[end] > 0) {
            end++;
        }
        // a poll after every job has ended finds nothing more: the grid stops at the first age with none left
        return new PollPlanner(Arrays.copyOf(s, end + 1), step, INTERVAL, lag, true);
    }

    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))];
    }

    // ---------------------------------------------------------------- the model

    private static final class SimJob {
        final double arrival;
        final double length;
        final boolean measured;
        double acceptedAt = Double.NaN;
        double lastCall = Double.NaN;
        double closestGap = Double.POSITIVE_INFINITY;
        Duration lastSeenRunning = Duration.ZERO;
        int polls;
        int requests;
        double lag = Double.NaN;
        double endedAt = Double.NaN;
        final Waits waits = new Waits();

        SimJob(double arrival, double length, boolean measured) {
            this.arrival = arrival;
            this.length = length;
            this.measured = measured;
        }

        void called(double at) {
            requests++;
            if (!Double.isNaN(lastCall)) {
                closestGap = Math.min(closestGap, at - lastCall);
            }
            lastCall = at;
        }
    }

    /** Budget waits of one job's polls, without boxing. */
    private static final class Waits {
        private double[] values = new double[8];
        private int size;

        void add(double v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        double[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    private interface Runner {
        void arrive(SimJob job);
    }

    /** The bridge: admission up to the in-flight limit, submit, then the schedule's polls, through the budget. */
    private static final class Bridge implements Runner {
        private final Clock clock;
        private final Budget budget;
        private final PollSchedule schedule;
        private final SplittableRandom random;
        private final Deque<SimJob> admission = new ArrayDeque<>();
        private int inFlight;

        Bridge(Clock clock, Budget budget, PollSchedule schedule, SplittableRandom random) {
            this.clock = clock;
            this.budget = budget;
            this.schedule = schedule;
            this.random = random;
        }

        @Override
        public void arrive(SimJob job) {
            if (inFlight < MAX_IN_FLIGHT) {
                start(job);
            } else {
                admission.addLast(job);
            }
        }

        private void start(SimJob job) {
            inFlight++;
            budget.request(RequestBudget.SUBMIT, at -> {
                job.called(at);
                job.acceptedAt = at;
                clock.at(at + seconds(schedule.firstPoll(random::nextDouble)), () -> poll(job));
            });
        }

        private void poll(SimJob job) {
            double askedAt = clock.now();
            double priority = RequestBudget.pollPriority(schedule.doneChance(job.lastSeenRunning, age(job, askedAt)));
            budget.request(priority, at -> answered(job, askedAt, at));
        }

        private void answered(SimJob job, double askedAt, double at) {
            job.called(at);
            job.waits.add(at - askedAt);
            job.polls++;
            Duration age = age(job, at);
            if (at >= job.acceptedAt + job.length) {
                job.lag = at - (job.acceptedAt + job.length);
                schedule.jobCompleted(job.lastSeenRunning, Duration.ofNanos((long) (job.length * 1e9)));
                end(job, at);
            } else if (seconds(age) >= JobLengths.DEADLINE_SECONDS) {
                end(job, at); // TIMED_OUT: no lag, counted as unfinished
            } else {
                schedule.stillRunning(job.lastSeenRunning, age);
                job.lastSeenRunning = age;
                Duration untilDeadline = Duration.ofNanos((long) ((JobLengths.DEADLINE_SECONDS - seconds(age)) * 1e9));
                clock.at(
                        at + seconds(schedule.nextPoll(job.polls, age, untilDeadline, random::nextDouble)),
                        () -> poll(job));
            }
        }

        private void end(SimJob job, double at) {
            job.endedAt = at;
            budget.jobEnded(job.requests);
            inFlight--;
            if (!admission.isEmpty()) {
                start(admission.pollFirst());
            }
        }

        private static Duration age(SimJob job, double at) {
            return Duration.ofNanos((long) ((at - job.acceptedAt) * 1e9));
        }
    }

    /** NaiveBridge: 200 threads, each submits, then sleeps 5 s before every poll; calls in arrival order. */
    private static final class Naive implements Runner {
        private final Clock clock;
        private final Budget budget;
        private final Deque<SimJob> waiting = new ArrayDeque<>();
        private int busy;

        Naive(Clock clock, Budget budget) {
            this.clock = clock;
            this.budget = budget;
        }

        @Override
        public void arrive(SimJob job) {
            if (busy < NAIVE_THREADS) {
                work(job);
            } else {
                waiting.addLast(job);
            }
        }

        private void work(SimJob job) {
            busy++;
            budget.request(0, at -> {
                job.called(at);
                job.acceptedAt = at;
                clock.at(at + INTERVAL, () -> poll(job));
            });
        }

        private void poll(SimJob job) {
            double askedAt = clock.now();
            budget.request(0, at -> {
                job.called(at);
                job.waits.add(at - askedAt);
                if (at >= job.acceptedAt + job.length) {
                    job.lag = at - (job.acceptedAt + job.length);
                    job.endedAt = at;
                    busy--;
                    if (!waiting.isEmpty()) {
                        work(waiting.pollFirst());
                    }
                } else {
                    clock.at(at + INTERVAL, () -> poll(job));
                }
            });
        }
    }

    /** Simulated time: events in time order, ties in the order they were scheduled. */
    private static final class Clock {
        private record Event(double at, long seq, Runnable action) {}

        private final PriorityQueue<Event> events =
                new PriorityQueue<>(Comparator.comparingDouble(Event::at).thenComparingLong(Event::seq));
        private long seq;
        private double now;

        double now() {
            return now;
        }

        void at(double time, Runnable action) {
            events.add(new Event(Math.max(time, now), seq++, action));
        }

        void runUntil(double limit) {
            while (!events.isEmpty() && events.peek().at() <= limit) {
                Event e = events.poll();
                now = e.at();
                e.action().run();
            }
        }
    }

    /**
     * The service's {@link RequestBudget} on simulated time (priorities, the submit pace, the token bucket), or no
     * budget at all for the unlimited cells.
     */
    private static final class Budget {
        private final Clock clock;
        private final RequestBudget budget;
        private long grantedInSecond;
        private long second = -1;
        private long peak;

        Budget(Clock clock, double rate, boolean pacedSubmits) {
            this.clock = clock;
            this.budget = Double.isInfinite(rate)
                    ? null
                    : SimulatedBudget.create(
                            rate,
                            MAX_IN_FLIGHT,
                            pacedSubmits,
                            () -> (long) (clock.now() * 1e9),
                            (millis, action) -> clock.at(clock.now() + millis / 1000.0, action));
        }

        void request(double priority, DoubleConsumer granted) {
            if (budget == null) {
                grant(granted);
                return;
            }
            budget.acquire(priority).subscribe().with(permit -> grant(granted), failure -> {
                throw new IllegalStateException("the simulated budget refused a call", failure);
            });
        }

        void jobEnded(int calls) {
            if (budget != null) {
                budget.jobEnded(calls);
            }
        }

        long peakPerSecond() {
            return peak;
        }

        private void grant(DoubleConsumer granted) {
            double now = clock.now();
            long s = (long) Math.floor(now);
            if (s != second) {
                second = s;
                grantedInSecond = 0;
            }
            peak = Math.max(peak, ++grantedInSecond);
            granted.accept(now);
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    // ---------------------------------------------------------------- output

    static String markdown(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                "| jobs | arrival | budget | system | songs/min | requests/job | × optimum | lag p50 s | lag p95 s | poll wait for budget mean / p95 s | jobs measured |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            Cell c = r.cell();
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %.0f | %.2f | %.2f× | %.2f | %.2f | %.2f / %.2f | %d%s |%n",
                    c.lengths().name().toLowerCase(Locale.ROOT),
                    c.arrival().name().toLowerCase(Locale.ROOT),
                    c.binding() ? String.format(Locale.ROOT, "%.0f/s", c.budget()) : "unlimited",
                    r.system(),
                    r.songsPerMinute(),
                    r.requestsPerJob(),
                    r.ratio(),
                    r.lagP50(),
                    r.lagP95(),
                    r.budgetWaitMean(),
                    r.budgetWaitP95(),
                    r.jobs(),
                    r.unfinished() == 0 ? "" : " (" + r.unfinished() + " unfinished)"));
        }
        return sb.toString();
    }

    /**
     * One plot per distribution: p95 lag against requests per job for every system and cell, and the optimal frontier
     * (no schedule can be below and left of it). Returns the files by name.
     */
    static Map<String, Path> plots(List<Result> results, Path dir) throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        for (JobLengths lengths : JobLengths.values()) {
            XYChart chart = new XYChartBuilder()
                    .width(900)
                    .height(600)
                    .title("Simulated, " + lengths.label() + ": p95 lag against requests per job")
                    .xAxisTitle("requests per job (submit + polls)")
                    .yAxisTitle("p95 detection lag, s")
                    .build();
            chart.getStyler().setMarkerSize(9);
            chart.getStyler()
                    .setXAxisMin(0.0)
                    .setXAxisMax(28.0)
                    .setYAxisMin(0.0)
                    .setYAxisMax(16.0);
            double[][] frontier = frontier(lengths, 16, 0.5);
            XYSeries optimum = chart.addSeries(
                    "optimum (fewest requests at that p95 lag)",
                    Arrays.stream(frontier).mapToDouble(p -> p[0]).toArray(),
                    Arrays.stream(frontier).mapToDouble(p -> p[1]).toArray());
            optimum.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE);
            for (Result r : results) {
                if (r.cell().lengths() != lengths || Double.isNaN(r.requestsPerJob())) {
                    continue;
                }
                String name = r.system() + ", " + r.cell().arrival().name().toLowerCase(Locale.ROOT)
                        + (r.cell().binding() ? ", 20/s" : "");
                chart.addSeries(name, new double[] {r.requestsPerJob()}, new double[] {Math.min(16, r.lagP95())})
                        .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            }
            String name = "polling-sim-" + lengths.name().toLowerCase(Locale.ROOT);
            Path file = dir.resolve(name + ".png");
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            files.put(name, file);
        }
        return files;
    }

    /** The optimal frontier of one distribution: fewest requests per job at p95 lags from 0.5 s to {@code maxLag}. */
    static double[][] frontier(JobLengths lengths, double maxLag, double step) {
        List<double[]> points = new ArrayList<>();
        for (double lag = 0.5; lag <= maxLag + 1e-9; lag += 0.5) {
            PollPlanner planner = planner(lengths, lag, step);
            // below about 0.95 x the interval not even a poll every interval keeps 95 % of jobs within the lag
            if (planner.cheapest(ALLOWED_LATE).lateShare() <= ALLOWED_LATE + 1e-9) {
                points.add(new double[] {1 + planner.fewestPolls(ALLOWED_LATE), lag});
            }
        }
        return points.toArray(double[][]::new);
    }
}
