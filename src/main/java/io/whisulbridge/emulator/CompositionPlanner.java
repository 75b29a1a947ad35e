package io.whisulbridge.emulator;

import io.whisulbridge.emulator.Composition.DrumStyle;
import io.whisulbridge.emulator.Composition.Instrument;
import io.whisulbridge.emulator.Composition.Mood;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a prompt into a {@link Composition} by keyword spotting. java.util.Random is used on purpose: its
 * algorithm is specified, so a given job id and prompt give the same track on every JVM.
 */
final class CompositionPlanner {

    static final int MIN_SECONDS = 8;
    static final int MAX_SECONDS = 20;

    private static final Set<Instrument> MELODIC = EnumSet.of(
            Instrument.PIANO, Instrument.PAD, Instrument.SYNTH, Instrument.CHIP, Instrument.GUITAR, Instrument.FLUTE);
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}']+");
    private static final Pattern EXPLICIT_BPM = Pattern.compile("(\\d{2,3})\\s*bpm");

    private static final Set<String> MINOR = Set.of(
            "sad",
            "dark",
            "calm",
            "melancholy",
            "melancholic",
            "moody",
            "gloomy",
            "lonely",
            "night",
            "midnight",
            "rain",
            "rainy",
            "haunting",
            "eerie",
            "somber",
            "sombre",
            "tragic",
            "cold",
            "winter",
            "noir",
            "mysterious",
            "horror",
            "minor",
            "blues",
            "heartbreak",
            "grief",
            "tears",
            "lofi",
            "trap",
            "drill",
            "ominous",
            "storm",
            "ghost",
            "sorrow");
    private static final Set<String> MAJOR = Set.of(
            "happy",
            "upbeat",
            "bright",
            "sunny",
            "summer",
            "party",
            "joy",
            "joyful",
            "cheerful",
            "love",
            "sunshine",
            "celebration",
            "wedding",
            "fun",
            "pop",
            "dance",
            "uplifting",
            "hopeful",
            "birthday",
            "major",
            "disco",
            "festive",
            "morning",
            "spring",
            "playful",
            "triumphant");
    private static final Set<String> FAST = Set.of(
            "party",
            "trap",
            "fast",
            "dance",
            "edm",
            "techno",
            "house",
            "energetic",
            "hype",
            "rave",
            "club",
            "workout",
            "running",
            "upbeat",
            "punk",
            "metal",
            "rock",
            "dnb",
            "drill",
            "chase",
            "action",
            "intense",
            "aggressive",
            "hard",
            "banger",
            "speed",
            "frantic",
            "disco");
    private static final Set<String> SLOW = Set.of(
            "calm",
            "sad",
            "slow",
            "ambient",
            "sleep",
            "chill",
            "lofi",
            "ballad",
            "mellow",
            "relaxing",
            "relax",
            "meditation",
            "lullaby",
            "peaceful",
            "dreamy",
            "soft",
            "gentle",
            "study",
            "lazy",
            "quiet",
            "serene",
            "tranquil");
    private static final Set<String> CALM_WORDS = Set.of(
            "calm",
            "relaxing",
            "relax",
            "sleep",
            "ambient",
            "meditation",
            "peaceful",
            "serene",
            "tranquil",
            "chill",
            "study",
            "lullaby",
            "gentle",
            "soft");

    private static final Map<String, Set<Instrument>> INSTRUMENT_WORDS = Map.ofEntries(
            Map.entry("piano", EnumSet.of(Instrument.PIANO)),
            Map.entry("keys", EnumSet.of(Instrument.PIANO)),
            Map.entry("rhodes", EnumSet.of(Instrument.PIANO)),
            Map.entry("ballad", EnumSet.of(Instrument.PIANO)),
            Map.entry("classical", EnumSet.of(Instrument.PIANO)),
            Map.entry("jazz", EnumSet.of(Instrument.PIANO, Instrument.DRUMS)),
            Map.entry("ambient", EnumSet.of(Instrument.PAD)),
            Map.entry("pad", EnumSet.of(Instrument.PAD)),
            Map.entry("pads", EnumSet.of(Instrument.PAD)),
            Map.entry("strings", EnumSet.of(Instrument.PAD)),
            Map.entry("cinematic", EnumSet.of(Instrument.PAD)),
            Map.entry("orchestral", EnumSet.of(Instrument.PAD)),
            Map.entry("dreamy", EnumSet.of(Instrument.PAD)),
            Map.entry("atmospheric", EnumSet.of(Instrument.PAD)),
            Map.entry("space", EnumSet.of(Instrument.PAD)),
            Map.entry("calm", EnumSet.of(Instrument.PAD)),
            Map.entry("synth", EnumSet.of(Instrument.SYNTH)),
            Map.entry("synths", EnumSet.of(Instrument.SYNTH)),
            Map.entry("synthwave", EnumSet.of(Instrument.SYNTH, Instrument.DRUMS)),
            Map.entry("retro", EnumSet.of(Instrument.SYNTH)),
            Map.entry("electronic", EnumSet.of(Instrument.SYNTH)),
            Map.entry("edm", EnumSet.of(Instrument.SYNTH, Instrument.DRUMS)),
            Map.entry("techno", EnumSet.of(Instrument.SYNTH, Instrument.DRUMS)),
            Map.entry("house", EnumSet.of(Instrument.SYNTH, Instrument.DRUMS)),
            Map.entry("trance", EnumSet.of(Instrument.SYNTH, Instrument.DRUMS)),
            Map.entry("8bit", EnumSet.of(Instrument.CHIP)),
            Map.entry("chiptune", EnumSet.of(Instrument.CHIP)),
            Map.entry("chip", EnumSet.of(Instrument.CHIP)),
            Map.entry("arcade", EnumSet.of(Instrument.CHIP)),
            Map.entry("game", EnumSet.of(Instrument.CHIP)),
            Map.entry("pixel", EnumSet.of(Instrument.CHIP)),
            Map.entry("guitar", EnumSet.of(Instrument.GUITAR)),
            Map.entry("acoustic", EnumSet.of(Instrument.GUITAR)),
            Map.entry("folk", EnumSet.of(Instrument.GUITAR)),
            Map.entry("country", EnumSet.of(Instrument.GUITAR)),
            Map.entry("indie", EnumSet.of(Instrument.GUITAR, Instrument.DRUMS)),
            Map.entry("ukulele", EnumSet.of(Instrument.GUITAR)),
            Map.entry("harp", EnumSet.of(Instrument.GUITAR)),
            Map.entry("flute", EnumSet.of(Instrument.FLUTE)),
            Map.entry("808", EnumSet.of(Instrument.BASS_808)),
            Map.entry("808s", EnumSet.of(Instrument.BASS_808)),
            Map.entry("bass", EnumSet.of(Instrument.BASS_808)),
            Map.entry("trap", EnumSet.of(Instrument.BASS_808, Instrument.DRUMS)),
            Map.entry("drill", EnumSet.of(Instrument.BASS_808, Instrument.DRUMS)),
            Map.entry("hiphop", EnumSet.of(Instrument.BASS_808, Instrument.DRUMS)),
            Map.entry("rap", EnumSet.of(Instrument.BASS_808, Instrument.DRUMS)),
            Map.entry("dubstep", EnumSet.of(Instrument.BASS_808, Instrument.DRUMS)),
            Map.entry("drums", EnumSet.of(Instrument.DRUMS)),
            Map.entry("drum", EnumSet.of(Instrument.DRUMS)),
            Map.entry("beat", EnumSet.of(Instrument.DRUMS)),
            Map.entry("beats", EnumSet.of(Instrument.DRUMS)),
            Map.entry("rock", EnumSet.of(Instrument.GUITAR, Instrument.DRUMS)),
            Map.entry("punk", EnumSet.of(Instrument.GUITAR, Instrument.DRUMS)),
            Map.entry("metal", EnumSet.of(Instrument.GUITAR, Instrument.DRUMS)),
            Map.entry("party", EnumSet.of(Instrument.DRUMS)),
            Map.entry("dance", EnumSet.of(Instrument.DRUMS)),
            Map.entry("disco", EnumSet.of(Instrument.DRUMS)),
            Map.entry("funk", EnumSet.of(Instrument.DRUMS, Instrument.BASS_808)),
            Map.entry("dnb", EnumSet.of(Instrument.DRUMS)),
            Map.entry("pop", EnumSet.of(Instrument.DRUMS)),
            Map.entry("lofi", EnumSet.of(Instrument.PIANO, Instrument.DRUMS)));

    private static final Map<String, String> TAG_WORDS = Map.ofEntries(
            Map.entry("trap", "trap"),
            Map.entry("808", "808s"),
            Map.entry("808s", "808s"),
            Map.entry("lofi", "lo-fi"),
            Map.entry("hiphop", "hip hop"),
            Map.entry("rap", "rap"),
            Map.entry("edm", "edm"),
            Map.entry("techno", "techno"),
            Map.entry("house", "house"),
            Map.entry("ambient", "ambient"),
            Map.entry("jazz", "jazz"),
            Map.entry("rock", "rock"),
            Map.entry("pop", "pop"),
            Map.entry("synthwave", "synthwave"),
            Map.entry("chiptune", "chiptune"),
            Map.entry("8bit", "chiptune"),
            Map.entry("cinematic", "cinematic"),
            Map.entry("classical", "classical"),
            Map.entry("folk", "folk"),
            Map.entry("drill", "drill"),
            Map.entry("dnb", "drum and bass"),
            Map.entry("disco", "disco"),
            Map.entry("funk", "funk"),
            Map.entry("blues", "blues"),
            Map.entry("metal", "metal"),
            Map.entry("punk", "punk"),
            Map.entry("piano", "piano"),
            Map.entry("guitar", "guitar"),
            Map.entry("synth", "synth"),
            Map.entry("drums", "drums"),
            Map.entry("dark", "dark"),
            Map.entry("sad", "sad"),
            Map.entry("calm", "calm"),
            Map.entry("happy", "happy"),
            Map.entry("chill", "chill"),
            Map.entry("party", "party"),
            Map.entry("dreamy", "dreamy"),
            Map.entry("epic", "epic"),
            Map.entry("romantic", "romantic"),
            Map.entry("love", "romantic"),
            Map.entry("summer", "summer"),
            Map.entry("night", "night"),
            Map.entry("midnight", "night"),
            Map.entry("rain", "rainy"),
            Map.entry("energetic", "energetic"),
            Map.entry("upbeat", "upbeat"),
            Map.entry("melancholy", "melancholic"),
            Map.entry("melancholic", "melancholic"),
            Map.entry("relaxing", "relaxing"),
            Map.entry("mellow", "mellow"),
            Map.entry("uplifting", "uplifting"),
            Map.entry("fast", "fast"),
            Map.entry("slow", "slow"),
            Map.entry("retro", "retro"),
            Map.entry("flute", "flute"),
            Map.entry("acoustic", "acoustic"));

    private static final Set<String> STOPWORDS = Set.of(
            "a",
            "an",
            "the",
            "and",
            "or",
            "but",
            "of",
            "for",
            "with",
            "without",
            "about",
            "into",
            "onto",
            "from",
            "to",
            "in",
            "on",
            "at",
            "by",
            "as",
            "is",
            "are",
            "was",
            "be",
            "it",
            "its",
            "this",
            "that",
            "these",
            "those",
            "some",
            "very",
            "really",
            "song",
            "track",
            "music",
            "tune",
            "make",
            "me",
            "my",
            "our",
            "your",
            "please",
            "like",
            "feel",
            "feeling",
            "vibe",
            "vibes",
            "style",
            "type",
            "kind",
            "sort",
            "beat",
            "bpm",
            "something",
            "create",
            "compose",
            "generate",
            "write",
            "give",
            "want",
            "need",
            "than",
            "then",
            "more",
            "less",
            "lots",
            "lot",
            "over",
            "under",
            "just",
            "also",
            "has",
            "have",
            "who",
            "what",
            "when",
            "where",
            "which",
            "while",
            "we",
            "you",
            "they",
            "i",
            "sounds",
            "sound",
            "sounding");

    private static final Map<Mood, List<String>> TITLE_NOUNS = Map.of(
            Mood.DARK, List.of("Shadows", "Nightfall", "Echoes", "Ashes", "Undertow", "Static"),
            Mood.MELANCHOLIC, List.of("Rain", "Letters", "Grey Skies", "Distance", "Memories", "Tears"),
            Mood.CALM, List.of("Drift", "Tides", "Lullaby", "Haze", "Stillness", "Clouds"),
            Mood.BRIGHT, List.of("Sunrise", "Daydream", "Skyline", "Fireworks", "Golden Hour", "Blossom"),
            Mood.ENERGETIC, List.of("Rush", "Voltage", "Pulse", "Riot", "Overdrive", "Lights"),
            Mood.NEUTRAL, List.of("Dreams", "Lines", "Motion", "Stories", "Waves", "Colours"));

    private static final int[][] MINOR_PROGRESSIONS = {{0, 5, 2, 6}, {0, 3, 4, 0}, {0, 5, 3, 4}, {0, 6, 5, 6}};
    private static final int[][] MAJOR_PROGRESSIONS = {{0, 4, 5, 3}, {0, 3, 4, 3}, {0, 5, 3, 4}, {0, 3, 0, 4}};

    private CompositionPlanner() {}

    static Composition plan(String jobId, String prompt) {
        long seed = contentSeed(jobId, prompt);
        Random rng = new Random(seed);
        String folded = fold(prompt);
        List<String> words = words(folded);
        Set<String> wordSet = new LinkedHashSet<>(words);

        int minorScore = count(words, MINOR);
        int majorScore = count(words, MAJOR);
        boolean minor = minorScore != majorScore ? minorScore > majorScore : rng.nextBoolean();
        int fastScore = count(words, FAST);
        int slowScore = count(words, SLOW);
        int energy = Integer.signum(fastScore - slowScore);

        Set<Instrument> instruments = EnumSet.noneOf(Instrument.class);
        for (String w : words) {
            Set<Instrument> add = INSTRUMENT_WORDS.get(w);
            if (add != null) {
                instruments.addAll(add);
            }
        }
        // Drums and bass alone are no song; give every track something to carry a tune.
        if (instruments.stream().noneMatch(MELODIC::contains)) {
            boolean bare = instruments.isEmpty();
            instruments.add(energy > 0 ? Instrument.SYNTH : Instrument.PIANO);
            if (bare) {
                instruments.add(Instrument.PAD);
            }
        }
        if (energy > 0 && !instruments.contains(Instrument.DRUMS)) {
            instruments.add(Instrument.DRUMS);
        }

        DrumStyle drumStyle = DrumStyle.NONE;
        if (instruments.contains(Instrument.DRUMS)) {
            if (wordSet.contains("trap")
                    || wordSet.contains("drill")
                    || wordSet.contains("808")
                    || wordSet.contains("808s")) {
                drumStyle = DrumStyle.TRAP;
            } else if (containsAny(wordSet, "house", "techno", "edm", "dance", "disco", "party", "club", "trance")) {
                drumStyle = DrumStyle.FOUR_ON_THE_FLOOR;
            } else {
                drumStyle = DrumStyle.BACKBEAT;
            }
        }

        int bpm = explicitBpm(folded);
        if (bpm == 0) {
            if (wordSet.contains("dnb")) {
                bpm = 170 + rng.nextInt(5);
            } else if (drumStyle == DrumStyle.TRAP) {
                bpm = 130 + rng.nextInt(21);
            } else if (energy > 0) {
                bpm = 120 + rng.nextInt(36);
            } else if (energy < 0) {
                bpm = 62 + rng.nextInt(24);
            } else {
                bpm = 90 + rng.nextInt(29);
            }
        }

        Mood mood;
        if (minor) {
            if (wordSet.contains("dark") || energy > 0) {
                mood = Mood.DARK;
            } else if (count(words, CALM_WORDS) > 0) {
                mood = Mood.CALM;
            } else {
                mood = Mood.MELANCHOLIC;
            }
        } else if (energy > 0) {
            mood = Mood.ENERGETIC;
        } else if (majorScore > 0 || energy < 0) {
            mood = Mood.BRIGHT;
        } else {
            mood = Mood.NEUTRAL;
        }

        Instrument lead;
        if (instruments.contains(Instrument.CHIP)) {
            lead = Instrument.CHIP;
        } else if (instruments.contains(Instrument.SYNTH)) {
            lead = Instrument.SYNTH;
        } else if (instruments.contains(Instrument.GUITAR)) {
            lead = Instrument.GUITAR;
        } else if (instruments.contains(Instrument.FLUTE)) {
            lead = Instrument.FLUTE;
        } else if (instruments.contains(Instrument.PIANO)) {
            lead = Instrument.PIANO;
        } else {
            lead = Instrument.FLUTE;
            instruments.add(Instrument.FLUTE);
        }

        int seconds = MIN_SECONDS + rng.nextInt(MAX_SECONDS - MIN_SECONDS + 1);
        int keyRoot = rng.nextInt(12);
        int[][] progressions = minor ? MINOR_PROGRESSIONS : MAJOR_PROGRESSIONS;
        int[] progression = progressions[rng.nextInt(progressions.length)].clone();

        List<String> tags = tags(words, mood, instruments, drumStyle);
        String title = title(words, mood, rng);
        return new Composition(
                title,
                List.copyOf(tags),
                bpm,
                seconds,
                minor,
                keyRoot,
                progression,
                Set.copyOf(instruments),
                lead,
                drumStyle,
                mood,
                seed);
    }

    static long contentSeed(String jobId, String prompt) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (jobId + '\u0000' + prompt).getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Lower-case, accents stripped, hyphens dropped so "lo-fi", "8-bit" and "hip-hop" read as one word. */
    static String fold(String prompt) {
        String s = Normalizer.normalize(prompt, Normalizer.Form.NFD).replaceAll("\\p{M}+", "");
        s = s.toLowerCase(Locale.ROOT).replace("-", "");
        return s.replaceAll("\\bhip hop\\b", "hiphop").replaceAll("\\bdrum (and|n|&) bass\\b", "dnb");
    }

    private static List<String> words(String folded) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(folded);
        while (m.find()) {
            String w = m.group().replace("'", "");
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    private static int explicitBpm(String folded) {
        Matcher m = EXPLICIT_BPM.matcher(folded);
        if (m.find()) {
            int v = Integer.parseInt(m.group(1));
            if (v >= 40 && v <= 220) {
                return v;
            }
        }
        return 0;
    }

    private static int count(List<String> words, Set<String> vocabulary) {
        int n = 0;
        for (String w : words) {
            if (vocabulary.contains(w)) {
                n++;
            }
        }
        return n;
    }

    private static boolean containsAny(Set<String> words, String... candidates) {
        for (String c : candidates) {
            if (words.contains(c)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> tags(List<String> words, Mood mood, Set<Instrument> instruments, DrumStyle drums) {
        LinkedHashSet<String> tags = new LinkedHashSet<>();
        for (String w : words) {
            String tag = TAG_WORDS.get(w);
            if (tag != null && tags.size() < 3) {
                tags.add(tag);
            }
        }
        tags.add(
                switch (mood) {
                    case DARK -> "dark";
                    case MELANCHOLIC -> "melancholic";
                    case CALM -> "calm";
                    case BRIGHT -> "uplifting";
                    case ENERGETIC -> "energetic";
                    case NEUTRAL -> "instrumental";
                });
        for (Instrument i : instruments) {
            if (tags.size() >= 5) {
                break;
            }
            tags.add(
                    switch (i) {
                        case PIANO -> "piano";
                        case PAD -> "ambient pads";
                        case SYNTH -> "synth";
                        case CHIP -> "chiptune";
                        case GUITAR -> "guitar";
                        case BASS_808 -> "808s";
                        case DRUMS -> drums == DrumStyle.FOUR_ON_THE_FLOOR ? "four on the floor" : "drums";
                        case FLUTE -> "flute";
                    });
        }
        return new ArrayList<>(tags);
    }

    private static String title(List<String> words, Mood mood, Random rng) {
        List<String> content = new ArrayList<>();
        for (String w : words) {
            if (w.length() >= 3
                    && !STOPWORDS.contains(w)
                    && !w.chars().allMatch(Character::isDigit)
                    && !content.contains(w)) {
                content.add(w);
            }
        }
        List<String> nouns = TITLE_NOUNS.get(mood);
        String noun = nouns.get(rng.nextInt(nouns.size()));
        String title;
        if (content.isEmpty()) {
            title = noun;
        } else {
            String first = capitalise(content.get(rng.nextInt(content.size())));
            int form = rng.nextInt(3);
            if (form == 0 && content.size() >= 2) {
                String second;
                do {
                    second = capitalise(content.get(rng.nextInt(content.size())));
                } while (second.equals(first));
                title = first + " " + second;
            } else if (form == 1) {
                title = "The " + first + " " + noun;
            } else {
                title = first + " " + noun;
            }
        }
        return title.length() <= 40 ? title : title.substring(0, 40).trim();
    }

    private static String capitalise(String w) {
        return w.substring(0, 1).toUpperCase(Locale.ROOT) + w.substring(1);
    }
}
