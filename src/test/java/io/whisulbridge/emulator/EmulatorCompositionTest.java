package io.whisulbridge.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.whisulbridge.emulator.Composition.Instrument;
import java.io.ByteArrayInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

class EmulatorCompositionTest {

    private static final String ID = "3f2b8c1e-8d1a-4c4e-9f57-0d6f0b3c2a11";

    @Test
    void calmSadWordsGiveMinorAndSlow() {
        Composition c = CompositionPlanner.plan(ID, "a calm, sad song for a rainy night");

        assertThat(c.minor()).isTrue();
        assertThat(c.bpm()).isLessThan(90);
    }

    @Test
    void partyWordsGiveMajorAndFast() {
        Composition c = CompositionPlanner.plan(ID, "happy summer party anthem");

        assertThat(c.minor()).isFalse();
        assertThat(c.bpm()).isGreaterThanOrEqualTo(120);
        assertThat(c.instruments()).contains(Instrument.DRUMS);
    }

    @Test
    void trapPromptGetsTrapDrumsAnd808sAndMatchingTags() {
        Composition c = CompositionPlanner.plan(ID, "dark trap with heavy 808s");

        assertThat(c.drumStyle()).isEqualTo(Composition.DrumStyle.TRAP);
        assertThat(c.instruments()).contains(Instrument.BASS_808, Instrument.DRUMS);
        assertThat(c.tags()).contains("trap", "dark", "808s");
        assertThat(c.tagsText()).startsWith("dark, trap, 808s");
    }

    @Test
    void explicitBpmInThePromptIsHonoured() {
        assertThat(CompositionPlanner.plan(ID, "house track at 124 bpm").bpm()).isEqualTo(124);
    }

    @Test
    void titleIsBuiltFromPromptWordsOrMoodNouns() {
        Composition c = CompositionPlanner.plan(ID, "lonely lighthouse keeper");

        assertThat(c.title()).isNotBlank();
        assertThat(c.title().toLowerCase()).containsAnyOf("lonely", "lighthouse", "keeper");
    }

    @Test
    void sameJobAndPromptGiveIdenticalPlanAndAudio() {
        Composition a = CompositionPlanner.plan(ID, "chiptune boss battle");
        Composition b = CompositionPlanner.plan(ID, "chiptune boss battle");

        assertThat(a.title()).isEqualTo(b.title());
        assertThat(a.bpm()).isEqualTo(b.bpm());
        assertThat(AudioSynth.renderWav(a)).isEqualTo(AudioSynth.renderWav(b));
    }

    @Test
    void differentJobsWithTheSamePromptDiffer() {
        Composition a = CompositionPlanner.plan(ID, "chiptune boss battle");
        Composition b = CompositionPlanner.plan("11111111-2222-4333-8444-555555555555", "chiptune boss battle");

        assertThat(a.seed()).isNotEqualTo(b.seed());
    }

    @Test
    void renderedWavHoldsExactlyTheDurationInFrames() throws Exception {
        Composition c = CompositionPlanner.plan(ID, "acoustic folk guitar");
        byte[] wav = AudioSynth.renderWav(c);

        var in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav));
        assertThat(in.getFrameLength()).isEqualTo((long) c.durationSeconds() * AudioSynth.SAMPLE_RATE);
    }

    @Test
    void durationIsWithinTheDocumentedRange() {
        for (int i = 0; i < 50; i++) {
            Composition c = CompositionPlanner.plan("id-" + i, "anything at all");
            assertThat(c.durationSeconds()).isBetween(CompositionPlanner.MIN_SECONDS, CompositionPlanner.MAX_SECONDS);
        }
    }

    @Test
    void minutesSecondsFormatPadsSeconds() {
        assertThat(Composition.minutesSeconds(9)).isEqualTo("0:09");
        assertThat(Composition.minutesSeconds(167)).isEqualTo("2:47");
    }
}
