package io.whisulbridge.emulator;

import io.whisulbridge.emulator.Composition.DrumStyle;
import io.whisulbridge.emulator.Composition.Instrument;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * A tiny additive/subtractive synthesiser. The output holds exactly {@code durationSeconds × SAMPLE_RATE} frames,
 * so the {@code duration} in the job result is the file's length with no rounding at all.
 */
final class AudioSynth {

    static final int SAMPLE_RATE = 22_050;

    private static final int[] MAJOR = {0, 2, 4, 5, 7, 9, 11};
    private static final int[] MINOR = {0, 2, 3, 5, 7, 8, 10};

    private final Composition c;
    private final Random rng;
    private final double[] mix;
    private final int[] scale;

    private AudioSynth(Composition c) {
        this.c = c;
        this.rng = new Random(c.seed() ^ 0x9E3779B97F4A7C15L);
        this.mix = new double[c.durationSeconds() * SAMPLE_RATE];
        this.scale = c.minor() ? MINOR : MAJOR;
    }

    static byte[] renderWav(Composition c) {
        AudioSynth s = new AudioSynth(c);
        s.compose();
        return toWav(s.master());
    }

    private void compose() {
        double beat = 60.0 / c.bpm();
        double bar = beat * 4;
        double length = c.durationSeconds();
        int bars = (int) Math.ceil(length / bar);
        int melodyIndex = 7 + rng.nextInt(3);
        boolean fast = c.bpm() >= 120;
        for (int b = 0; b < bars; b++) {
            double t0 = b * bar;
            int degree = c.progression()[b % c.progression().length];
            int[] chord = {degree, degree + 2, degree + 4};

            if (c.instruments().contains(Instrument.PAD)) {
                for (int d : chord) {
                    pad(t0, bar * 1.05, freq(note(48, d)), 0.09);
                }
            }
            if (c.instruments().contains(Instrument.PIANO)) {
                double[] hits = fast ? new double[] {0, 1.5, 2, 3.5} : new double[] {0, 2};
                double amp = c.lead() == Instrument.PIANO ? 0.08 : 0.12;
                for (double h : hits) {
                    for (int d : chord) {
                        piano(t0 + h * beat, beat * 2, freq(note(48, d)), amp);
                    }
                }
            }
            if (c.instruments().contains(Instrument.GUITAR) && c.lead() != Instrument.GUITAR) {
                for (int step = 0; step < 8; step++) {
                    int d = chord[step % 3] + (step >= 4 ? 7 : 0);
                    pluck(t0 + step * beat / 2, beat, freq(note(48, d)), 0.16);
                }
            }
            if (c.instruments().contains(Instrument.BASS_808)) {
                double[] hits = c.drumStyle() == DrumStyle.TRAP ? new double[] {0, 1.5, 2.75} : new double[] {0, 2};
                for (double h : hits) {
                    bass808(t0 + h * beat, beat * 1.5, freq(note(36, degree)), 0.5);
                }
            } else if (c.instruments().contains(Instrument.SYNTH) || c.drumStyle() != DrumStyle.NONE) {
                for (int step = 0; step < 4; step++) {
                    saw(t0 + step * beat, beat * 0.9, freq(note(36, degree)), 0.16, 600);
                }
            }
            drums(t0, beat);

            int stepsPerBar = 8;
            for (int step = 0; step < stepsPerBar; step++) {
                double t = t0 + step * beat / 2;
                if (rng.nextDouble() > (fast ? 0.7 : 0.55)) {
                    continue;
                }
                if (step == 0) {
                    melodyIndex = nearestChordTone(melodyIndex, chord);
                } else {
                    melodyIndex = Math.max(3, Math.min(13, melodyIndex + rng.nextInt(5) - 2));
                }
                double dur = beat / 2 * (1 + rng.nextInt(2));
                lead(t, dur, freq(note(60, melodyIndex)), 0.22);
            }
        }
    }

    private void lead(double t, double dur, double f, double amp) {
        switch (c.lead()) {
            case CHIP -> square(t, dur * 0.9, f, amp * 0.6);
            case SYNTH -> saw(t, dur, f, amp * 0.8, 2400);
            case GUITAR -> pluck(t, dur * 2, f, amp * 1.2);
            case PIANO -> piano(t, dur * 2, f, amp);
            default -> flute(t, dur, f, amp);
        }
    }

    private void drums(double t0, double beat) {
        double s16 = beat / 4;
        switch (c.drumStyle()) {
            case NONE -> {}
            case BACKBEAT -> {
                kick(t0);
                kick(t0 + 8 * s16);
                if (rng.nextBoolean()) {
                    kick(t0 + 10 * s16);
                }
                snare(t0 + 4 * s16);
                snare(t0 + 12 * s16);
                for (int i = 0; i < 16; i += 2) {
                    hat(t0 + i * s16, i % 4 == 0 ? 0.12 : 0.08);
                }
            }
            case FOUR_ON_THE_FLOOR -> {
                for (int i = 0; i < 16; i += 4) {
                    kick(t0 + i * s16);
                    hat(t0 + (i + 2) * s16, 0.14);
                }
                snare(t0 + 4 * s16);
                snare(t0 + 12 * s16);
            }
            case TRAP -> {
                kick(t0);
                kick(t0 + (rng.nextBoolean() ? 6 : 7) * s16);
                kick(t0 + 11 * s16);
                snare(t0 + 8 * s16);
                for (int i = 0; i < 16; i++) {
                    hat(t0 + i * s16, 0.08);
                    if (i >= 12 && rng.nextInt(4) == 0) {
                        hat(t0 + (i + 0.5) * s16, 0.06);
                    }
                }
            }
        }
    }

    private int note(int base, int degreeIndex) {
        int octave = Math.floorDiv(degreeIndex, 7);
        return base + c.keyRoot() + 12 * octave + scale[Math.floorMod(degreeIndex, 7)];
    }

    private static int nearestChordTone(int index, int[] chord) {
        int best = index;
        int bestDist = Integer.MAX_VALUE;
        for (int octave = -2; octave <= 2; octave++) {
            for (int d : chord) {
                int candidate = d + 7 * octave;
                int dist = Math.abs(candidate - index);
                if (dist < bestDist && candidate >= 3 && candidate <= 13) {
                    best = candidate;
                    bestDist = dist;
                }
            }
        }
        return best;
    }

    private static double freq(int midi) {
        return 440.0 * Math.pow(2, (midi - 69) / 12.0);
    }

    private int start(double t) {
        return (int) Math.round(t * SAMPLE_RATE);
    }

    private int end(double t, double dur) {
        return Math.min(mix.length, start(t + dur));
    }

    private void piano(double t, double dur, double f, double amp) {
        int s = start(t);
        int e = end(t, dur);
        double w = 2 * Math.PI * f / SAMPLE_RATE;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double env = Math.min(1, x / 0.004) * Math.exp(-x * 3.2) * release(i, e, 0.03);
            double n = i - s;
            double v = Math.sin(w * n)
                    + 0.45 * Math.sin(2 * w * n)
                    + 0.22 * Math.sin(3 * w * n)
                    + 0.1 * Math.sin(4 * w * n);
            mix[i] += amp * env * v;
        }
    }

    private void pad(double t, double dur, double f, double amp) {
        int s = start(t);
        int e = end(t, dur);
        double attack = dur * 0.3;
        double lp = 0;
        double p1 = 0;
        double p2 = 0;
        double inc1 = f * 1.004 / SAMPLE_RATE;
        double inc2 = f * 0.996 / SAMPLE_RATE;
        double alpha = 0.08;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double env = Math.min(1, x / attack) * release(i, e, dur * 0.3);
            p1 = (p1 + inc1) % 1.0;
            p2 = (p2 + inc2) % 1.0;
            double raw = (2 * p1 - 1) + (2 * p2 - 1);
            lp += alpha * (raw - lp);
            mix[i] += amp * env * lp;
        }
    }

    private void saw(double t, double dur, double f, double amp, double cutoffHz) {
        int s = start(t);
        int e = end(t, dur);
        double alpha = 1 - Math.exp(-2 * Math.PI * cutoffHz / SAMPLE_RATE);
        double lp = 0;
        double phase = 0;
        double inc = f / SAMPLE_RATE;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double env = Math.min(1, x / 0.01) * (0.6 + 0.4 * Math.exp(-x * 6)) * release(i, e, 0.04);
            phase = (phase + inc) % 1.0;
            lp += alpha * ((2 * phase - 1) - lp);
            mix[i] += amp * env * lp;
        }
    }

    private void square(double t, double dur, double f, double amp) {
        int s = start(t);
        int e = end(t, dur);
        double phase = 0;
        double inc = f / SAMPLE_RATE;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double env = Math.min(1, x / 0.003) * release(i, e, 0.02);
            phase = (phase + inc) % 1.0;
            mix[i] += amp * env * (phase < 0.5 ? 1 : -1);
        }
    }

    private void flute(double t, double dur, double f, double amp) {
        int s = start(t);
        int e = end(t, dur);
        double phase = 0;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double env = Math.min(1, x / 0.05) * release(i, e, 0.06);
            double vib = 1 + 0.006 * Math.sin(2 * Math.PI * 5 * x);
            phase += 2 * Math.PI * f * vib / SAMPLE_RATE;
            mix[i] += amp * env * (Math.sin(phase) + 0.15 * Math.sin(2 * phase));
        }
    }

    // Karplus-Strong: a noise burst circulating in a delay line with averaging sounds like a plucked string.
    private void pluck(double t, double dur, double f, double amp) {
        int s = start(t);
        int e = end(t, dur);
        int period = Math.max(2, (int) Math.round(SAMPLE_RATE / f));
        double[] line = new double[period];
        for (int i = 0; i < period; i++) {
            line[i] = rng.nextDouble() * 2 - 1;
        }
        int idx = 0;
        for (int i = s; i < e; i++) {
            int next = (idx + 1) % period;
            double v = line[idx];
            line[idx] = 0.996 * 0.5 * (line[idx] + line[next]);
            idx = next;
            mix[i] += amp * v * release(i, e, 0.03);
        }
    }

    private void bass808(double t, double dur, double f, double amp) {
        int s = start(t);
        int e = end(t, dur);
        double phase = 0;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double glide = 1 + 0.6 * Math.exp(-x * 40);
            phase += 2 * Math.PI * f * glide / SAMPLE_RATE;
            double env = Math.min(1, x / 0.002) * Math.exp(-x * 2.2) * release(i, e, 0.05);
            mix[i] += amp * Math.tanh(1.8 * Math.sin(phase)) * env;
        }
    }

    private void kick(double t) {
        int s = start(t);
        int e = end(t, 0.35);
        double phase = 0;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double f = 45 + 90 * Math.exp(-x * 30);
            phase += 2 * Math.PI * f / SAMPLE_RATE;
            mix[i] += 0.7 * Math.sin(phase) * Math.exp(-x * 9);
        }
    }

    private void snare(double t) {
        int s = start(t);
        int e = end(t, 0.22);
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double noise = rng.nextDouble() * 2 - 1;
            mix[i] += 0.3 * noise * Math.exp(-x * 18) + 0.25 * Math.sin(2 * Math.PI * 185 * x) * Math.exp(-x * 30);
        }
    }

    private void hat(double t, double amp) {
        int s = start(t);
        int e = end(t, 0.06);
        double prev = 0;
        for (int i = s; i < e; i++) {
            double x = (i - s) / (double) SAMPLE_RATE;
            double noise = rng.nextDouble() * 2 - 1;
            mix[i] += amp * (noise - prev) * Math.exp(-x * 70);
            prev = noise;
        }
    }

    private static double release(int i, int end, double seconds) {
        int left = end - i;
        int span = (int) (seconds * SAMPLE_RATE);
        return left >= span || span == 0 ? 1 : left / (double) span;
    }

    private double[] master() {
        double peak = 0;
        for (double v : mix) {
            peak = Math.max(peak, Math.abs(v));
        }
        if (peak < 1e-9) {
            // Cannot happen with the voices above; kept so a future change never ships a silent file.
            for (int i = 0; i < mix.length; i++) {
                mix[i] = Math.sin(2 * Math.PI * 440 * i / SAMPLE_RATE);
            }
            peak = 1;
        }
        double gain = 0.89 / peak;
        int fadeIn = SAMPLE_RATE / 200;
        int fadeOut = (int) (SAMPLE_RATE * 0.75);
        for (int i = 0; i < mix.length; i++) {
            double g = gain;
            if (i < fadeIn) {
                g *= i / (double) fadeIn;
            }
            int left = mix.length - i;
            if (left < fadeOut) {
                g *= left / (double) fadeOut;
            }
            mix[i] *= g;
        }
        return mix;
    }

    static byte[] toWav(double[] samples) {
        int dataBytes = samples.length * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'R', 'I', 'F', 'F'}).putInt(36 + dataBytes).put(new byte[] {'W', 'A', 'V', 'E'});
        b.put(new byte[] {'f', 'm', 't', ' '})
                .putInt(16)
                .putShort((short) 1)
                .putShort((short) 1)
                .putInt(SAMPLE_RATE)
                .putInt(SAMPLE_RATE * 2)
                .putShort((short) 2)
                .putShort((short) 16);
        b.put(new byte[] {'d', 'a', 't', 'a'}).putInt(dataBytes);
        for (double v : samples) {
            double clipped = Math.max(-1, Math.min(1, v));
            b.putShort((short) Math.round(clipped * 32767));
        }
        return b.array();
    }
}
