package io.whisulbridge.emulator;

import io.whisulbridge.emulator.Composition.Instrument;
import io.whisulbridge.emulator.Composition.Mood;
import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.QuadCurve2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

final class CoverArt {

    static final int SIZE = 512;

    static {
        // Must be decided before AWT initialises; inside a server there is never a display to talk to.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private CoverArt() {}

    static byte[] renderPng(Composition c) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(g, c, new Random(c.seed() ^ 0xC0FFEEL));
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void draw(Graphics2D g, Composition c, Random rng) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Color[] p = palette(c.mood(), rng);
        g.setPaint(new GradientPaint(0, 0, p[0], SIZE * 0.3f, SIZE, p[1]));
        g.fillRect(0, 0, SIZE, SIZE);

        int circles = 5 + rng.nextInt(8);
        for (int i = 0; i < circles; i++) {
            double r = 30 + rng.nextDouble() * 170;
            double x = rng.nextDouble() * SIZE;
            double y = rng.nextDouble() * SIZE * 0.7;
            g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.08f + rng.nextFloat() * 0.18f));
            g.setColor(i % 2 == 0 ? p[2] : Color.WHITE);
            g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
        }
        g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.55f));
        motif(g, c, p, rng);
        g.setComposite(AlphaComposite.SrcOver);

        // Bar heights follow the tempo so fast tracks look busier.
        int bars = 32;
        int barWidth = (SIZE - 64) / bars;
        int baseY = SIZE - 120;
        double busy = Math.min(1.0, c.bpm() / 160.0);
        g.setColor(new Color(p[2].getRed(), p[2].getGreen(), p[2].getBlue(), 200));
        for (int i = 0; i < bars; i++) {
            int h = (int) (6 + rng.nextDouble() * 60 * (0.4 + busy));
            g.fillRect(32 + i * barWidth, baseY - h, barWidth - 3, h);
        }

        drawTitle(g, PixelFont.printable(c.title()), p);
        g.setColor(new Color(255, 255, 255, 220));
        String info = PixelFont.printable(c.bpm() + " BPM  " + Composition.minutesSeconds(c.durationSeconds()));
        PixelFont.draw(g, info, 32, SIZE - 92, 3);
        String tags = PixelFont.printable(c.tagsText());
        int maxChars = (SIZE - 64) / ((PixelFont.WIDTH + 1) * 2);
        if (tags.length() > maxChars) {
            tags = tags.substring(0, maxChars - 3) + "...";
        }
        PixelFont.draw(g, tags, 32, SIZE - 52, 2);
    }

    private static void motif(Graphics2D g, Composition c, Color[] p, Random rng) {
        g.setColor(p[2]);
        if (c.instruments().contains(Instrument.CHIP)) {
            int cell = 16;
            for (int y = 0; y < SIZE / 2; y += cell) {
                for (int x = 0; x < SIZE; x += cell) {
                    if (rng.nextInt(6) == 0) {
                        g.fillRect(x, y, cell - 2, cell - 2);
                    }
                }
            }
        } else if (c.instruments().contains(Instrument.SYNTH)) {
            g.setStroke(new BasicStroke(2f));
            int horizon = SIZE / 2;
            g.fill(new Ellipse2D.Double(SIZE / 2.0 - 90, horizon - 150, 180, 180));
            for (int i = 0; i < 10; i++) {
                int y = horizon + (int) Math.pow(i, 1.6) * 5;
                g.drawLine(0, y, SIZE, y);
            }
            for (int i = -8; i <= 8; i++) {
                g.drawLine(SIZE / 2 + i * 20, horizon, SIZE / 2 + i * 90, SIZE);
            }
        } else if (c.instruments().contains(Instrument.BASS_808)
                || c.instruments().contains(Instrument.DRUMS)) {
            g.setStroke(new BasicStroke(6f));
            double cx = SIZE * (0.3 + rng.nextDouble() * 0.4);
            double cy = SIZE * 0.35;
            for (int r = 30; r < 260; r += 36) {
                g.draw(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
            }
        } else if (c.instruments().contains(Instrument.GUITAR)) {
            g.setStroke(new BasicStroke(3f));
            for (int i = 0; i < 6; i++) {
                int y = 60 + i * 28;
                g.draw(new QuadCurve2D.Double(0, y, SIZE / 2.0, y + rng.nextInt(80) - 40, SIZE, y));
            }
        } else if (c.instruments().contains(Instrument.PIANO)) {
            int keyWidth = SIZE / 14;
            for (int i = 0; i < 14; i++) {
                int mod = i % 7;
                if (mod != 2 && mod != 6) {
                    g.fillRect(i * keyWidth + keyWidth * 2 / 3, 40, keyWidth * 2 / 3, 120);
                }
            }
        } else {
            g.setStroke(new BasicStroke(2f));
            List<int[]> pts = new ArrayList<>();
            for (int x = 0; x <= SIZE; x += 16) {
                pts.add(new int[] {x, (int) (SIZE * 0.35 + Math.sin(x / 40.0 + rng.nextDouble()) * 50)});
            }
            for (int i = 1; i < pts.size(); i++) {
                g.drawLine(pts.get(i - 1)[0], pts.get(i - 1)[1], pts.get(i)[0], pts.get(i)[1]);
            }
        }
    }

    private static void drawTitle(Graphics2D g, String title, Color[] p) {
        int scale = 5;
        List<String> lines = wrap(title, (SIZE - 64) / ((PixelFont.WIDTH + 1) * scale));
        if (lines.size() > 3) {
            scale = 3;
            lines = wrap(title, (SIZE - 64) / ((PixelFont.WIDTH + 1) * scale));
        }
        int lineHeight = (PixelFont.HEIGHT + 3) * scale;
        int y = SIZE - 150 - lines.size() * lineHeight;
        for (String line : lines.subList(0, Math.min(lines.size(), 4))) {
            g.setColor(new Color(0, 0, 0, 140));
            PixelFont.draw(g, line, 32 + scale / 2 + 2, y + scale / 2 + 2, scale);
            g.setColor(Color.WHITE);
            PixelFont.draw(g, line, 32, y, scale);
            y += lineHeight;
        }
    }

    private static List<String> wrap(String text, int maxChars) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            while (word.length() > maxChars) {
                if (line.length() > 0) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                lines.add(word.substring(0, maxChars));
                word = word.substring(maxChars);
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > maxChars) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static Color[] palette(Mood mood, Random rng) {
        float[][] hsb = switch (mood) {
            case DARK -> new float[][] {{0.75f, 0.7f, 0.18f}, {0.83f, 0.75f, 0.42f}, {0.95f, 0.8f, 0.9f}};
            case MELANCHOLIC -> new float[][] {{0.62f, 0.45f, 0.30f}, {0.60f, 0.30f, 0.60f}, {0.55f, 0.35f, 0.95f}};
            case CALM -> new float[][] {{0.55f, 0.70f, 0.35f}, {0.50f, 0.45f, 0.78f}, {0.45f, 0.30f, 1.0f}};
            case BRIGHT -> new float[][] {{0.08f, 0.75f, 1.0f}, {0.14f, 0.60f, 1.0f}, {0.97f, 0.55f, 0.95f}};
            case ENERGETIC -> new float[][] {{0.98f, 0.85f, 0.85f}, {0.70f, 0.80f, 0.30f}, {0.15f, 0.90f, 1.0f}};
            case NEUTRAL ->
                new float[][] {
                    {rng.nextFloat(), 0.5f, 0.45f}, {rng.nextFloat(), 0.5f, 0.75f}, {rng.nextFloat(), 0.6f, 0.95f}
                };
        };
        float shift = (rng.nextFloat() - 0.5f) * 0.08f;
        Color[] out = new Color[3];
        for (int i = 0; i < 3; i++) {
            out[i] = Color.getHSBColor(hsb[i][0] + shift, hsb[i][1], hsb[i][2]);
        }
        return out;
    }
}
