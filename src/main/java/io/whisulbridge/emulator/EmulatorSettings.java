package io.whisulbridge.emulator;

import io.quarkus.runtime.configuration.DurationConverter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * The emulator's dials. Immutable; change them with {@link #toBuilder()} or by name with
 * {@link Builder#set(String, String)}, which is what the environment, system properties, command-line
 * arguments and {@code PUT /_emulator/settings} all go through, so every dial has one spelling rule:
 * the component name, compared case-insensitively with '_', '-' and '.' ignored.
 */
public record EmulatorSettings(
        String host,
        int port,
        String publicBaseUrl,
        List<String> apiKeys,
        Duration jobDurationMin,
        Duration jobDurationMax,
        double failureProbability,
        double rateLimitedProbability,
        int retryAfterSeconds,
        double serverErrorProbability,
        double expiryProbability,
        Duration completedJobTtl,
        double slowResponseProbability,
        Duration slowResponseMin,
        Duration slowResponseMax,
        DurationForm durationForm,
        double rateLimitPerSecond,
        int rateLimitBurst,
        Long seed,
        int statsMaxEntries,
        long renderCacheBytes,
        int renderThreads,
        Duration assetTtl,
        double assetFailureProbability,
        double assetHangProbability,
        long syntheticSongBytes) {

    public static final String ENV_PREFIX = "WHISUL_EMULATOR_";
    public static final String PROPERTY_PREFIX = "whisul.emulator.";
    public static final String DEFAULT_API_KEY = "local-dev-key";
    public static final int STANDALONE_PORT = 8090;

    public enum DurationForm {
        /** {@code "duration": 187} as in the quickstart. */
        INT,
        /** {@code "duration": "3:07"} as in the reference. */
        STRING,
        /** Each job picks one of the two at random, so a client sees both. */
        MIXED;

        static DurationForm parse(String value) {
            try {
                return DurationForm.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("expected int, string or mixed");
            }
        }
    }

    public enum JobDurationPreset {
        DEMO(Duration.ofSeconds(2), Duration.ofSeconds(6)),
        REALISTIC(Duration.ofSeconds(60), Duration.ofSeconds(180));

        public final Duration min;
        public final Duration max;

        JobDurationPreset(Duration min, Duration max) {
            this.min = min;
            this.max = max;
        }
    }

    public EmulatorSettings {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (publicBaseUrl != null) {
            publicBaseUrl = publicBaseUrl.trim();
            while (publicBaseUrl.endsWith("/")) {
                publicBaseUrl = publicBaseUrl.substring(0, publicBaseUrl.length() - 1);
            }
            if (publicBaseUrl.isEmpty()) {
                publicBaseUrl = null;
            }
        }
        apiKeys = List.copyOf(apiKeys);
        if (apiKeys.isEmpty() || apiKeys.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("apiKeys must hold at least one non-blank key");
        }
        requireNonNegative("jobDurationMin", jobDurationMin);
        requireNonNegative("jobDurationMax", jobDurationMax);
        if (jobDurationMax.compareTo(jobDurationMin) < 0) {
            throw new IllegalArgumentException(
                    "jobDurationMax (" + jobDurationMax + ") < jobDurationMin (" + jobDurationMin + ")");
        }
        requireProbability("failureProbability", failureProbability);
        requireProbability("rateLimitedProbability", rateLimitedProbability);
        requireProbability("serverErrorProbability", serverErrorProbability);
        requireProbability("expiryProbability", expiryProbability);
        requireProbability("slowResponseProbability", slowResponseProbability);
        Objects.requireNonNull(completedJobTtl, "completedJobTtl");
        if (completedJobTtl.isNegative() || completedJobTtl.isZero()) {
            throw new IllegalArgumentException(
                    "completedJobTtl must be positive; use a large value to keep jobs longer");
        }
        requireNonNegative("slowResponseMin", slowResponseMin);
        requireNonNegative("slowResponseMax", slowResponseMax);
        if (slowResponseMax.compareTo(slowResponseMin) < 0) {
            throw new IllegalArgumentException(
                    "slowResponseMax (" + slowResponseMax + ") < slowResponseMin (" + slowResponseMin + ")");
        }
        Objects.requireNonNull(durationForm, "durationForm");
        if (!(rateLimitPerSecond >= 0) || Double.isInfinite(rateLimitPerSecond)) {
            throw new IllegalArgumentException("rateLimitPerSecond must be >= 0 (0 = unlimited)");
        }
        if (rateLimitBurst < 0) {
            throw new IllegalArgumentException("rateLimitBurst must be >= 0 (0 = derived from the rate)");
        }
        if (statsMaxEntries < 1) {
            throw new IllegalArgumentException("statsMaxEntries must be >= 1");
        }
        if (renderCacheBytes < 0) {
            throw new IllegalArgumentException("renderCacheBytes must be >= 0");
        }
        if (renderThreads < 1) {
            throw new IllegalArgumentException("renderThreads must be >= 1");
        }
        requireNonNegative("assetTtl", assetTtl);
        requireProbability("assetFailureProbability", assetFailureProbability);
        requireProbability("assetHangProbability", assetHangProbability);
        if (syntheticSongBytes < 0) {
            throw new IllegalArgumentException("syntheticSongBytes must be >= 0 (0 = render real audio)");
        }
    }

    public static EmulatorSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public EmulatorSettings with(UnaryOperator<Builder> change) {
        return change.apply(toBuilder()).build();
    }

    /** Token-bucket capacity actually used: the configured burst, or the rate rounded up, at least 1. */
    public int effectiveRateLimitBurst() {
        if (rateLimitBurst > 0) {
            return rateLimitBurst;
        }
        return (int) Math.max(1, Math.ceil(rateLimitPerSecond));
    }

    /**
     * Defaults overlaid with {@code WHISUL_EMULATOR_*} environment variables, then {@code whisul.emulator.*}
     * system properties.
     */
    public static EmulatorSettings fromEnvironment() {
        return fromEnvironment(builder());
    }

    public static EmulatorSettings fromEnvironment(Builder base) {
        fromEnv(System.getenv(), base);
        fromProperties(System.getProperties(), base);
        return base.build();
    }

    public static EmulatorSettings fromEnv(Map<String, String> env) {
        return fromEnv(env, builder()).build();
    }

    /**
     * Applies every {@code WHISUL_EMULATOR_*} entry. {@code WHISUL_API_KEY} (the bridge's own variable) is taken
     * as the accepted key when {@code WHISUL_EMULATOR_API_KEYS} is absent, so one environment drives both sides
     * of a local run.
     */
    public static Builder fromEnv(Map<String, String> env, Builder target) {
        boolean keysGiven = false;
        // Sorted so JOB_DURATION (a preset) is applied before JOB_DURATION_MIN/_MAX, which then refine it.
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
            if (e.getKey().startsWith(ENV_PREFIX)) {
                String name = e.getKey().substring(ENV_PREFIX.length());
                target.set(name, e.getValue());
                keysGiven |= isApiKeySetting(name);
            }
        }
        String bridgeKey = env.get("WHISUL_API_KEY");
        if (!keysGiven && bridgeKey != null && !bridgeKey.isBlank()) {
            target.apiKeys(List.of(bridgeKey.trim()));
        }
        return target;
    }

    public static EmulatorSettings fromProperties(Properties properties) {
        return fromProperties(properties, builder()).build();
    }

    public static Builder fromProperties(Properties properties, Builder target) {
        for (String key : new java.util.TreeSet<>(properties.stringPropertyNames())) {
            if (key.startsWith(PROPERTY_PREFIX)) {
                target.set(key.substring(PROPERTY_PREFIX.length()), properties.getProperty(key));
            }
        }
        return target;
    }

    private static boolean isApiKeySetting(String name) {
        String n = normalise(name);
        return n.equals("apikeys") || n.equals("apikey");
    }

    /** Settings as a flat name → value map in the same textual form {@link Builder#set} accepts. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", host);
        m.put("port", port);
        m.put("publicBaseUrl", publicBaseUrl);
        m.put("apiKeys", apiKeys);
        m.put("jobDurationMin", formatDuration(jobDurationMin));
        m.put("jobDurationMax", formatDuration(jobDurationMax));
        m.put("failureProbability", failureProbability);
        m.put("rateLimitedProbability", rateLimitedProbability);
        m.put("retryAfterSeconds", retryAfterSeconds);
        m.put("serverErrorProbability", serverErrorProbability);
        m.put("expiryProbability", expiryProbability);
        m.put("completedJobTtl", formatDuration(completedJobTtl));
        m.put("slowResponseProbability", slowResponseProbability);
        m.put("slowResponseMin", formatDuration(slowResponseMin));
        m.put("slowResponseMax", formatDuration(slowResponseMax));
        m.put("durationForm", durationForm.name().toLowerCase(Locale.ROOT));
        m.put("rateLimitPerSecond", rateLimitPerSecond);
        m.put("rateLimitBurst", rateLimitBurst);
        m.put("seed", seed);
        m.put("statsMaxEntries", statsMaxEntries);
        m.put("renderCacheBytes", renderCacheBytes);
        m.put("renderThreads", renderThreads);
        m.put("assetTtl", formatDuration(assetTtl));
        m.put("assetFailureProbability", assetFailureProbability);
        m.put("assetHangProbability", assetHangProbability);
        m.put("syntheticSongBytes", syntheticSongBytes);
        return m;
    }

    /**
     * Reads a duration exactly as the bridge reads its own settings, with Quarkus's converter: {@code 250ms},
     * {@code 2s}, {@code 1.5s}, {@code 3m}, {@code 1h30m}, {@code 1d}, ISO-8601 ({@code PT2S}), or a bare whole
     * number meaning seconds. So the bridge's and the emulator's variables read alike.
     */
    public static Duration parseDuration(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration");
        }
        try {
            return DurationConverter.parseDuration(text);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException("bad duration '" + text + "'", e);
        }
    }

    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    static String normalise(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '_' && c != '-' && c != '.') {
                b.append(Character.toLowerCase(c));
            }
        }
        return b.toString();
    }

    private static void requireProbability(String name, double p) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(name + " must be within 0..1, got " + p);
        }
    }

    private static void requireNonNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private String publicBaseUrl;
        private List<String> apiKeys = List.of(DEFAULT_API_KEY);
        private Duration jobDurationMin = JobDurationPreset.DEMO.min;
        private Duration jobDurationMax = JobDurationPreset.DEMO.max;
        private double failureProbability;
        private double rateLimitedProbability;
        private int retryAfterSeconds = 1;
        private double serverErrorProbability;
        private double expiryProbability;
        private Duration completedJobTtl = Duration.ofMinutes(10);
        private double slowResponseProbability;
        private Duration slowResponseMin = Duration.ofSeconds(1);
        private Duration slowResponseMax = Duration.ofSeconds(3);
        private DurationForm durationForm = DurationForm.MIXED;
        private double rateLimitPerSecond;
        private int rateLimitBurst;
        private Long seed;
        private int statsMaxEntries = 10_000;
        private long renderCacheBytes = 64L * 1024 * 1024;
        private int renderThreads = 2;
        private Duration assetTtl = Duration.ZERO;
        private double assetFailureProbability;
        private double assetHangProbability;
        private long syntheticSongBytes;

        private Builder() {}

        private Builder(EmulatorSettings s) {
            host = s.host;
            port = s.port;
            publicBaseUrl = s.publicBaseUrl;
            apiKeys = s.apiKeys;
            jobDurationMin = s.jobDurationMin;
            jobDurationMax = s.jobDurationMax;
            failureProbability = s.failureProbability;
            rateLimitedProbability = s.rateLimitedProbability;
            retryAfterSeconds = s.retryAfterSeconds;
            serverErrorProbability = s.serverErrorProbability;
            expiryProbability = s.expiryProbability;
            completedJobTtl = s.completedJobTtl;
            slowResponseProbability = s.slowResponseProbability;
            slowResponseMin = s.slowResponseMin;
            slowResponseMax = s.slowResponseMax;
            durationForm = s.durationForm;
            rateLimitPerSecond = s.rateLimitPerSecond;
            rateLimitBurst = s.rateLimitBurst;
            seed = s.seed;
            statsMaxEntries = s.statsMaxEntries;
            renderCacheBytes = s.renderCacheBytes;
            renderThreads = s.renderThreads;
            assetTtl = s.assetTtl;
            assetFailureProbability = s.assetFailureProbability;
            assetHangProbability = s.assetHangProbability;
            syntheticSongBytes = s.syntheticSongBytes;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Base of {@code song_url}/{@code image_url}; null means {@code http://127.0.0.1:<bound port>}. */
        public Builder publicBaseUrl(String publicBaseUrl) {
            this.publicBaseUrl = publicBaseUrl;
            return this;
        }

        public Builder apiKeys(List<String> apiKeys) {
            this.apiKeys = List.copyOf(apiKeys);
            return this;
        }

        public Builder apiKeys(String... apiKeys) {
            return apiKeys(Arrays.asList(apiKeys));
        }

        public Builder apiKey(String apiKey) {
            return apiKeys(List.of(apiKey));
        }

        public Builder jobDuration(Duration min, Duration max) {
            this.jobDurationMin = min;
            this.jobDurationMax = max;
            return this;
        }

        public Builder jobDuration(Duration exactly) {
            return jobDuration(exactly, exactly);
        }

        public Builder jobDurationPreset(JobDurationPreset preset) {
            return jobDuration(preset.min, preset.max);
        }

        public Builder jobDurationMin(Duration min) {
            this.jobDurationMin = min;
            return this;
        }

        public Builder jobDurationMax(Duration max) {
            this.jobDurationMax = max;
            return this;
        }

        public Builder failureProbability(double p) {
            this.failureProbability = p;
            return this;
        }

        public Builder rateLimitedProbability(double p) {
            this.rateLimitedProbability = p;
            return this;
        }

        /** Value of the {@code Retry-After} header on 429s; negative omits the header (the docs do not promise it). */
        public Builder retryAfterSeconds(int seconds) {
            this.retryAfterSeconds = seconds;
            return this;
        }

        public Builder serverErrorProbability(double p) {
            this.serverErrorProbability = p;
            return this;
        }

        public Builder expiryProbability(double p) {
            this.expiryProbability = p;
            return this;
        }

        public Builder completedJobTtl(Duration ttl) {
            this.completedJobTtl = ttl;
            return this;
        }

        public Builder slowResponseProbability(double p) {
            this.slowResponseProbability = p;
            return this;
        }

        public Builder slowResponse(Duration min, Duration max) {
            this.slowResponseMin = min;
            this.slowResponseMax = max;
            return this;
        }

        public Builder slowResponse(double probability, Duration min, Duration max) {
            this.slowResponseProbability = probability;
            return slowResponse(min, max);
        }

        public Builder slowResponseMin(Duration min) {
            this.slowResponseMin = min;
            return this;
        }

        public Builder slowResponseMax(Duration max) {
            this.slowResponseMax = max;
            return this;
        }

        public Builder durationForm(DurationForm form) {
            this.durationForm = form;
            return this;
        }

        public Builder rateLimitPerSecond(double rate) {
            this.rateLimitPerSecond = rate;
            return this;
        }

        public Builder rateLimitBurst(int burst) {
            this.rateLimitBurst = burst;
            return this;
        }

        /** Null draws a fresh seed at start. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder statsMaxEntries(int max) {
            this.statsMaxEntries = max;
            return this;
        }

        public Builder renderCacheBytes(long bytes) {
            this.renderCacheBytes = bytes;
            return this;
        }

        public Builder renderThreads(int threads) {
            this.renderThreads = threads;
            return this;
        }

        /** Assets answer 404 once their job finished this long ago (0: as long as the job is kept). */
        public Builder assetTtl(Duration ttl) {
            this.assetTtl = ttl;
            return this;
        }

        /** Share of asset downloads answered 500. */
        public Builder assetFailureProbability(double p) {
            this.assetFailureProbability = p;
            return this;
        }

        /** Share of asset downloads that are never answered: the request is read and left hanging. */
        public Builder assetHangProbability(double p) {
            this.assetHangProbability = p;
            return this;
        }

        /**
         * Songs become a synthetic file of this many bytes (deterministic per job, see {@link SyntheticAsset}),
         * streamed without being rendered or held in memory; 0 renders real audio.
         */
        public Builder syntheticSongBytes(long bytes) {
            this.syntheticSongBytes = bytes;
            return this;
        }

        /**
         * Sets one dial from text. An empty value resets a nullable dial ({@code publicBaseUrl}, {@code seed}).
         * {@code jobDuration} takes a preset name ({@code demo}, {@code realistic}), one duration, or {@code MIN..MAX}.
         */
        public Builder set(String name, String value) {
            String n = normalise(name);
            String v = value == null ? "" : value.trim();
            try {
                switch (n) {
                    case "host" -> host(v);
                    case "port" -> port(Integer.parseInt(v));
                    case "publicbaseurl", "publicurl" -> publicBaseUrl(v.isEmpty() ? null : v);
                    case "apikeys", "apikey" -> apiKeys(splitList(v));
                    case "jobduration", "jobdurationpreset" -> {
                        int dots = v.indexOf("..");
                        if (dots >= 0) {
                            jobDuration(parseDuration(v.substring(0, dots)), parseDuration(v.substring(dots + 2)));
                        } else if (!v.isEmpty()
                                && (Character.isDigit(v.charAt(0))
                                        || v.charAt(0) == '.'
                                        || v.toUpperCase(Locale.ROOT).startsWith("PT"))) {
                            jobDuration(parseDuration(v));
                        } else {
                            jobDurationPreset(preset(v));
                        }
                    }
                    case "jobdurationmin" -> jobDurationMin(parseDuration(v));
                    case "jobdurationmax" -> jobDurationMax(parseDuration(v));
                    case "failureprobability" -> failureProbability(Double.parseDouble(v));
                    case "ratelimitedprobability" -> rateLimitedProbability(Double.parseDouble(v));
                    case "retryafterseconds" -> retryAfterSeconds(Integer.parseInt(v));
                    case "servererrorprobability" -> serverErrorProbability(Double.parseDouble(v));
                    case "expiryprobability" -> expiryProbability(Double.parseDouble(v));
                    case "completedjobttl" -> completedJobTtl(parseDuration(v));
                    case "slowresponseprobability" -> slowResponseProbability(Double.parseDouble(v));
                    case "slowresponsemin" -> slowResponseMin(parseDuration(v));
                    case "slowresponsemax" -> slowResponseMax(parseDuration(v));
                    case "durationform" -> durationForm(DurationForm.parse(v));
                    case "ratelimitpersecond", "ratelimit" -> rateLimitPerSecond(Double.parseDouble(v));
                    case "ratelimitburst" -> rateLimitBurst(Integer.parseInt(v));
                    case "seed" -> seed(v.isEmpty() ? null : Long.parseLong(v));
                    case "statsmaxentries" -> statsMaxEntries(Integer.parseInt(v));
                    case "rendercachebytes" -> renderCacheBytes(Long.parseLong(v));
                    case "renderthreads" -> renderThreads(Integer.parseInt(v));
                    case "assetttl" -> assetTtl(parseDuration(v));
                    case "assetfailureprobability" -> assetFailureProbability(Double.parseDouble(v));
                    case "assethangprobability" -> assetHangProbability(Double.parseDouble(v));
                    case "syntheticsongbytes" -> syntheticSongBytes(Long.parseLong(v));
                    default -> throw new IllegalArgumentException("unknown emulator setting '" + name + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad value for " + name + ": '" + value + "'", e);
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("unknown emulator setting")) {
                    throw e;
                }
                throw new IllegalArgumentException(
                        "bad value for " + name + ": '" + value + "' (" + e.getMessage() + ")", e);
            }
            return this;
        }

        public EmulatorSettings build() {
            return new EmulatorSettings(
                    host,
                    port,
                    publicBaseUrl,
                    apiKeys,
                    jobDurationMin,
                    jobDurationMax,
                    failureProbability,
                    rateLimitedProbability,
                    retryAfterSeconds,
                    serverErrorProbability,
                    expiryProbability,
                    completedJobTtl,
                    slowResponseProbability,
                    slowResponseMin,
                    slowResponseMax,
                    durationForm,
                    rateLimitPerSecond,
                    rateLimitBurst,
                    seed,
                    statsMaxEntries,
                    renderCacheBytes,
                    renderThreads,
                    assetTtl,
                    assetFailureProbability,
                    assetHangProbability,
                    syntheticSongBytes);
        }

        private static JobDurationPreset preset(String v) {
            try {
                return JobDurationPreset.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "expected demo, realistic, a duration, or MIN..MAX such as 200ms..2s");
            }
        }

        private static List<String> splitList(String v) {
            List<String> out = new ArrayList<>();
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
            return out;
        }
    }
}
