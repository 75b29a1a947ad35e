package io.whisulbridge.polling;

import java.time.Duration;
import java.util.Arrays;

/**
 * How long jobs take, learned from every poll answer rather than from finished jobs alone: a life-table
 * (Kaplan-Meier on one-second bins) estimate of the survival curve. A poll that finds a job running at age
 * {@code t} says the job outlived every bin before {@code t}; a finished job adds one ending in the bin of its
 * duration. Jobs still running are thus censored observations: in a backlog, where the short jobs finish first, the
 * long ones still teach the estimate that jobs get that old, instead of it believing that all jobs are short.
 *
 * <p>Memory is two arrays of {@code horizon} bins, whatever the number of jobs. Once {@code window} endings have
 * been counted, all counts are halved, so old observations fade and the estimate follows Whisul when it gets faster
 * or slower.
 */
public final class SurvivalEstimator {

    private final double[] outlived;
    private final double[] ended;
    private final double window;
    private double endedSinceHalving;
    private long updates;

    /**
     * @param horizon the oldest age it learns about (the job deadline); older ages count in the last bin
     * @param window  endings remembered at full weight
     */
    public SurvivalEstimator(Duration horizon, int window) {
        if (horizon.toSeconds() < 1 || window < 1) {
            throw new IllegalArgumentException("horizon must be at least 1 s and window positive");
        }
        this.outlived = new double[(int) horizon.toSeconds() + 1];
        this.ended = new double[outlived.length];
        this.window = window;
    }

    /** A job known to be running at age {@code since} was found running again at age {@code now}. */
    public synchronized void running(Duration since, Duration now) {
        credit(bin(since), bin(now));
        updates++;
    }

    /** A job known to be running at age {@code since} finished at age {@code took}. */
    public synchronized void finished(Duration since, Duration took) {
        // Whisul's timestamps have whole seconds, so a reported duration may fall a little short of a running answer
        int from = bin(since);
        int at = Math.max(from, bin(took));
        credit(from, at);
        ended[at]++;
        endedSinceHalving++;
        updates++;
        if (endedSinceHalving >= window) {
            for (int b = 0; b < ended.length; b++) {
                ended[b] /= 2;
                outlived[b] /= 2;
            }
            endedSinceHalving /= 2;
        }
    }

    /** Observations so far: a cheap way for a cache to tell that the estimate moved. */
    public synchronized long updates() {
        return updates;
    }

    /**
     * The survival curve where it is backed by data: {@code survival[k]} is the chance that a job is still running
     * at age {@code k} seconds, for every {@code k} up to the first bin in which fewer than {@code minAtRisk} jobs
     * were seen (their fate unknown beyond it). Always holds at least {@code survival[0] = 1}.
     */
    public synchronized double[] survival(double minAtRisk) {
        double[] s = new double[outlived.length + 1];
        s[0] = 1;
        int k = 0;
        while (k < outlived.length) {
            double atRisk = outlived[k] + ended[k];
            if (atRisk < minAtRisk || atRisk <= 0) {
                break;
            }
            s[k + 1] = s[k] * (outlived[k] / atRisk);
            k++;
        }
        return Arrays.copyOf(s, k + 1);
    }

    private void credit(int fromBin, int toBin) {
        for (int b = fromBin; b < toBin; b++) {
            outlived[b]++;
        }
    }

    private int bin(Duration age) {
        long seconds = Math.max(0, age.toMillis() / 1000);
        return (int) Math.min(outlived.length - 1, seconds);
    }
}
