package io.whisulbridge.emulator;

import java.util.List;
import java.util.Set;

/**
 * Everything the job result promises about a track, decided cheaply at submission. The audio and cover renderers
 * read only this, so what the API reports and what the files contain cannot drift apart.
 */
record Composition(
        String title,
        List<String> tags,
        int bpm,
        int durationSeconds,
        boolean minor,
        int keyRoot,
        int[] progression,
        Set<Instrument> instruments,
        Instrument lead,
        DrumStyle drumStyle,
        Mood mood,
        long seed) {

    enum Instrument {
        PIANO,
        PAD,
        SYNTH,
        CHIP,
        GUITAR,
        BASS_808,
        DRUMS,
        FLUTE
    }

    enum DrumStyle {
        NONE,
        BACKBEAT,
        FOUR_ON_THE_FLOOR,
        TRAP
    }

    enum Mood {
        DARK,
        MELANCHOLIC,
        CALM,
        BRIGHT,
        ENERGETIC,
        NEUTRAL
    }

    String tagsText() {
        return String.join(", ", tags);
    }

    static String minutesSeconds(int seconds) {
        return (seconds / 60) + ":" + String.format("%02d", seconds % 60);
    }
}
