package io.whisulbridge.bench;

import java.util.SplittableRandom;

/**
 * The job-length distributions of issue 15, exactly: drawn for the simulation, and as a survival curve for the
 * optimum. Lengths are seconds.
 */
enum JobLengths {

    /** Uniform on [60 s, 180 s]. */
    UNIFORM("uniform 60-180 s") {
        @Override
        double sample(SplittableRandom random) {
            return 60 + 120 * random.nextDouble();
        }

        @Override
        double survival(double t) {
            return Math.max(0, Math.min(1, (180 - t) / 120));
        }
    },

    /** 40 % normal(30 s, σ 5 s) and 60 % normal(150 s, σ 15 s), truncated below at 5 s (drawn again below it). */
    BIMODAL("bimodal 40% N(30,5) + 60% N(150,15)") {
        @Override
        double sample(SplittableRandom random) {
            while (true) {
                double x = random.nextDouble() < 0.4 ? 30 + 5 * gaussian(random) : 150 + 15 * gaussian(random);
                if (x >= 5) {
                    return x;
                }
            }
        }

        @Override
        double survival(double t) {
            double above = untruncated(Math.max(t, 5));
            return t < 5 ? 1 : above / untruncated(5);
        }

        private double untruncated(double t) {
            return 0.4 * (1 - normalCdf((t - 30) / 5)) + 0.6 * (1 - normalCdf((t - 150) / 15));
        }
    },

    /** Lognormal with median 90 s and σ 0.6 in log space, capped at the job deadline. */
    LOGNORMAL("lognormal median 90 s, sigma 0.6") {
        @Override
        double sample(SplittableRandom random) {
            return Math.min(DEADLINE_SECONDS, 90 * Math.exp(0.6 * gaussian(random)));
        }

        @Override
        double survival(double t) {
            if (t >= DEADLINE_SECONDS) {
                return 0;
            }
            return t <= 0 ? 1 : 1 - normalCdf(Math.log(t / 90) / 0.6);
        }
    };

    /** WHISUL_JOB_MAX_WAIT's default. */
    static final double DEADLINE_SECONDS = 600;

    private final String label;

    JobLengths(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    abstract double sample(SplittableRandom random);

    /** P(length > t). */
    abstract double survival(double t);

    /** The survival curve on a grid of {@code step} seconds up to the deadline. */
    double[] survivalCurve(double step) {
        double[] s = new double[(int) Math.round(DEADLINE_SECONDS / step) + 1];
        for (int k = 0; k < s.length; k++) {
            s[k] = survival(k * step);
        }
        s[0] = 1;
        return s;
    }

    static double gaussian(SplittableRandom random) {
        // Box-Muller: two uniforms make one standard normal; the random is seeded, so runs repeat
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** Standard normal CDF through erf (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
    static double normalCdf(double z) {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double erf = 1 - poly * Math.exp(-x * x);
        return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }
}
