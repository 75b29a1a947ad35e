package io.whisulbridge.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.whisulbridge.cli.S3MockProcess;
import io.whisulbridge.config.TopicSet;
import io.whisulbridge.emulator.EmulatorStats;
import io.whisulbridge.emulator.SyntheticAsset;
import io.whisulbridge.emulator.WhisulEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Archiving with real processes: the packaged bridge, the shared broker and Whisul emulator of {@link Stage}, and a
 * real S3-compatible server (S3Mock) started here as a process of its own. The emulator serves the asset bytes the
 * bridge copies; the bucket is read back over S3's REST API.
 */
class ArchiveIT {

    private static final String BUCKET = "songs";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static WhisulEmulator whisul;
    private static S3MockProcess s3;
    private static ArchiveBucket bucket;

    private Scenario scenario;
    private String prefix;

    @BeforeAll
    static void startStorage() throws Exception {
        whisul = Stage.get().whisul;
        s3 = S3MockProcess.start(Files.createTempDirectory(Stage.WORK.toAbsolutePath(), "s3mock-"), BUCKET);
        bucket = new ArchiveBucket(s3);
    }

    @AfterAll
    static void stopStorage() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void newScenario(TestInfo test) throws Exception {
        whisul.updateSettings(Stage.settings()
                .jobDuration(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .build());
        if (!s3.isAlive()) {
            s3.launch();
        }
        String name = test.getTestMethod()
                .orElseThrow()
                .getName()
                .replaceAll("[^A-Za-z0-9]", "")
                .toLowerCase();
        prefix = name.substring(0, Math.min(40, name.length()));
        scenario = new Scenario(prefix, Stage.get().broker, whisul, Stage.WORK);
    }

    @Test
    void completedSongsAreArchivedByteForByteUnderDeterministicKeysBeforeTheirOutcome() throws Exception {
        List<String> ids = Scenario.requestIds("a", 4);
        try (BridgeProcess bridge = archivingBridge(Map.of())) {
            scenario.publish(ids);
            Map<String, JsonNode> songs = awaitSongs(ids, Duration.ofSeconds(60));
            for (String id : ids) {
                JsonNode song = songs.get(id);
                String jobId = song.get("job_id").asText();
                JsonNode archive = song.get("archive");
                assertThat(song.has("archive_error"))
                        .as("archive_error of " + id)
                        .isFalse();
                assertThat(archive.get("bucket").asText()).isEqualTo(BUCKET);
                assertArchived(
                        archive.get("song"),
                        prefix + "/" + id + "/" + jobId + "/song.wav",
                        "audio/wav",
                        song.get("song_url").asText(),
                        id,
                        jobId);
                assertArchived(
                        archive.get("cover"),
                        prefix + "/" + id + "/" + jobId + "/cover.png",
                        "image/png",
                        song.get("image_url").asText(),
                        id,
                        jobId);
            }
            assertThat(bucket.keys(prefix + "/")).as("one object per asset").hasSize(2 * ids.size());
            assertThat(bridge.metric("whisul_bridge_archive_songs_total{result=\"archived\"}"))
                    .hasValue(ids.size());
            // the emulator refuses asset requests that carry an Authorization header (400): none did, so the API
            // key never went to the asset host
            assertThat(whisul.stats().requests(EmulatorStats.AUDIO, 400)).isZero();
            assertThat(whisul.stats().requests(EmulatorStats.COVER, 400)).isZero();
            System.out.printf(
                    "[archive] %d songs archived, 2 objects each, bytes and SHA-256 equal to the emulator's%n",
                    ids.size());
        }
    }

    @Test
    void aBucketDownForAWhileHoldsTheOutcomeUntilItIsBackAndLosesNothing() throws Exception {
        List<String> ids = Scenario.requestIds("down", 3);
        try (BridgeProcess bridge = archivingBridge(Map.of("ARCHIVE_DEADLINE", "3m"))) {
            s3.stop();
            scenario.publish(ids);
            // the jobs complete within 2 s; with the bucket away, their outcomes wait and transfers are retried
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> bridge.metric("whisul_bridge_archive_transfer_retries_total")
                                    .orElse(0)
                            >= 2 * ids.size());
            Thread.sleep(3_000);
            assertThat(scenario.outcomes())
                    .as("no outcome while the bucket is down and the deadline is far")
                    .isEmpty();
            s3.launch(); // returns once the bucket answers again
            Instant back = Instant.now();
            // retries back off to 2 s (ARCHIVE_RETRY_MAX_BACKOFF): once the bucket answers, outcomes follow in seconds
            Map<String, JsonNode> songs = awaitSongs(ids, Duration.ofSeconds(40));
            System.out.printf(
                    "[archive] bucket down, %s transfer retries; every outcome %d ms after it answered again%n",
                    bridge.metric("whisul_bridge_archive_transfer_retries_total")
                            .orElse(0),
                    Duration.between(back, Instant.now()).toMillis());
            for (String id : ids) {
                assertThat(songs.get(id).has("archive_error")).isFalse();
                assertThat(songs.get(id).get("archive").get("song").get("key").asText())
                        .startsWith(prefix + "/" + id + "/");
            }
            assertThat(bucket.keys(prefix + "/")).hasSize(2 * ids.size());
            assertThat(scenario.outcomes().values()).allMatch(count -> count == 1);
        }
    }

    @Test
    void aBucketThatNeverComesBackStillPublishesTheSongWithAnArchiveError() throws Exception {
        List<String> ids = Scenario.requestIds("never", 2);
        try (BridgeProcess bridge = archivingBridge(Map.of("ARCHIVE_DEADLINE", "6s"))) {
            s3.stop();
            scenario.publish(ids);
            Map<String, JsonNode> songs = awaitSongs(ids, Duration.ofSeconds(60));
            for (String id : ids) {
                JsonNode song = songs.get(id);
                assertThat(song.has("archive")).isTrue();
                assertThat(song.get("archive").isNull()).as("archive of " + id).isTrue();
                assertThat(song.get("archive_error").asText())
                        .contains("song: not archived within PT6S")
                        .contains("cover: not archived within")
                        .doesNotContain("Retries exhausted");
                assertThat(song.get("song_url").asText())
                        .as("Whisul's own link stays")
                        .startsWith("http");
                System.out.printf(
                        "[archive] bucket never back: %s archive_error=%s%n",
                        id, song.get("archive_error").asText());
            }
            assertThat(bridge.metric("whisul_bridge_archive_songs_total{result=\"failed\"}"))
                    .hasValue(ids.size());
            assertThat(scenario.deadLetters()).isEmpty();
        } finally {
            s3.launch();
        }
    }

    @Test
    void anExpiredAssetIsReportedAtOnceAndAHangingOneIsAbandonedAtTheDeadline() throws Exception {
        try (BridgeProcess bridge =
                archivingBridge(Map.of("ARCHIVE_DEADLINE", "15s", "ARCHIVE_TRANSFER_TIMEOUT", "2s"))) {
            whisul.updateSettings(s -> s.assetTtl(Duration.ofMillis(1)));
            Instant published = Instant.now();
            scenario.publish(List.of("expired"));
            JsonNode expired =
                    awaitSongs(List.of("expired"), Duration.ofSeconds(30)).get("expired");
            Duration took = Duration.between(published, Instant.now());
            assertThat(expired.get("archive").isNull()).isTrue();
            assertThat(expired.get("archive_error").asText())
                    .contains("song:")
                    .contains("HTTP 404")
                    .contains("cover:");
            assertThat(took).as("a 404 is not retried until the deadline").isLessThan(Duration.ofSeconds(12));

            whisul.updateSettings(s -> s.assetTtl(Duration.ZERO).assetHangProbability(1.0));
            scenario.publish(List.of("hanging"));
            JsonNode hanging =
                    awaitSongs(List.of("hanging"), Duration.ofSeconds(40)).get("hanging");
            assertThat(hanging.get("archive").isNull()).isTrue();
            assertThat(hanging.get("archive_error").asText())
                    .contains("song: not archived within PT15S")
                    .contains("(last error: no transfer of")
                    .contains("cover: not archived within");
            assertThat(bridge.metric("whisul_bridge_archive_transfer_retries_total")
                            .orElse(0))
                    .as("hung transfers abandoned and tried again")
                    .isGreaterThanOrEqualTo(2);
            System.out.printf(
                    "[archive] expired asset: %s after %d ms; hanging asset: %s%n",
                    expired.get("archive_error").asText(),
                    took.toMillis(),
                    hanging.get("archive_error").asText());
        }
    }

    @Test
    void killMinus9MidUploadThenRestartLeavesOneObjectPerAssetAndOneOutcome() throws Exception {
        long size = 120L * 1024 * 1024;
        whisul.updateSettings(s -> s.syntheticSongBytes(size));
        List<String> ids = Scenario.requestIds("ar-k9", 3);
        try (BridgeProcess first = archivingBridge(Map.of())) {
            scenario.publish(ids);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> whisul.stats().requests(EmulatorStats.AUDIO) >= ids.size());
            Thread.sleep(300);
            first.kill9();
        }
        int outcomesAtKill = scenario.outcomes().size();
        assertThat(outcomesAtKill).as("outcomes when the uploads were cut").isZero();
        try (BridgeProcess second = archivingBridge(Map.of())) {
            Map<String, JsonNode> songs = awaitSongs(ids, Duration.ofSeconds(120));
            List<String> keys = bucket.keys(prefix + "/");
            System.out.printf(
                    "[archive] kill -9 mid-upload of %d x %d MB, restart: %d outcome(s), %d object(s)%n",
                    ids.size(),
                    size >> 20,
                    scenario.outcomes().values().stream()
                            .mapToInt(Integer::intValue)
                            .sum(),
                    keys.size());
            assertThat(scenario.outcomes())
                    .allSatisfy((id, count) ->
                            assertThat(count).as("outcomes of " + id).isEqualTo(1));
            assertThat(keys).as("one object per asset").hasSize(2 * ids.size());
            for (String id : ids) {
                JsonNode song = songs.get(id).get("archive").get("song");
                assertThat(keys).contains(song.get("key").asText());
                assertThat(song.get("bytes").asLong()).isEqualTo(size);
                assertThat(song.get("sha256").asText())
                        .isEqualTo(HexFormat.of()
                                .formatHex(SyntheticAsset.sha256(
                                        songs.get(id).get("job_id").asText(), size)));
            }
        } finally {
            whisul.updateSettings(s -> s.syntheticSongBytes(0));
        }
    }

    @Test
    void aSongLargerThanTheBridgesHeapIsArchivedByteForByte() throws Exception {
        long size = 600L * 1024 * 1024; // the bridge runs with -Xmx256m (BridgeProcess)
        whisul.updateSettings(s -> s.syntheticSongBytes(size));
        try (BridgeProcess bridge = archivingBridge(Map.of("ARCHIVE_TRANSFER_TIMEOUT", "5m"))) {
            Instant published = Instant.now();
            scenario.publish(List.of("big"));
            JsonNode song = awaitSongs(List.of("big"), Duration.ofSeconds(240)).get("big");
            Duration took = Duration.between(published, Instant.now());
            JsonNode archived = song.get("archive").get("song");
            String expected = HexFormat.of()
                    .formatHex(SyntheticAsset.sha256(song.get("job_id").asText(), size));
            assertThat(song.has("archive_error")).isFalse();
            assertThat(archived.get("bytes").asLong()).isEqualTo(size);
            assertThat(archived.get("sha256").asText()).isEqualTo(expected);
            ArchiveBucket.Digest stored = bucket.digest(archived.get("key").asText());
            assertThat(stored).isEqualTo(new ArchiveBucket.Digest(expected, size));
            assertThat(bridge.isAlive()).isTrue();
            System.out.printf(
                    "[archive] %d MB song through a bridge with -Xmx256m in %d s; bucket copy identical%n",
                    size >> 20, took.toSeconds());
        } finally {
            whisul.updateSettings(s -> s.syntheticSongBytes(0));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private BridgeProcess archivingBridge(Map<String, String> overrides) throws Exception {
        Map<String, String> env = new HashMap<>(Map.ofEntries(
                Map.entry("ARCHIVE_S3_BUCKET", BUCKET),
                Map.entry("ARCHIVE_S3_ENDPOINT", s3.endpoint()),
                Map.entry("ARCHIVE_S3_REGION", "us-east-1"),
                Map.entry("ARCHIVE_S3_PATH_STYLE", "true"),
                Map.entry("ARCHIVE_S3_PREFIX", prefix),
                Map.entry("ARCHIVE_RETRY_MAX_BACKOFF", "2s"),
                Map.entry("ARCHIVE_TRANSFER_TIMEOUT", "60s"),
                Map.entry("AWS_ACCESS_KEY_ID", "archive-test"),
                Map.entry("AWS_SECRET_ACCESS_KEY", "archive-test-secret"),
                // static credentials and an explicit region: the SDK must never probe 169.254.169.254
                Map.entry("AWS_EC2_METADATA_DISABLED", "true")));
        env.putAll(overrides);
        return scenario.startBridge("bridge-" + Instant.now().toEpochMilli(), env, List.of());
    }

    /** Waits for a SongResult per id (failing fast on a SongFailure) and returns them parsed. */
    private Map<String, JsonNode> awaitSongs(List<String> ids, Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> scenario.outcomes().keySet().containsAll(ids));
        Map<String, JsonNode> songs = new HashMap<>();
        for (Scenario.TopicRecord record : scenario.outcomeRecords()) {
            if (ids.contains(record.key())) {
                assertThat(record.topic())
                        .as("outcome of " + record.key() + ": " + record.valueText())
                        .isEqualTo(TopicSet.DEFAULT.prefixed(prefix + "-").songs());
                songs.put(record.key(), read(record.valueText()));
            }
        }
        return songs;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("unreadable outcome: " + json, e);
        }
    }

    /** The object as the event describes it, as the bucket holds it and as the emulator serves it: all equal. */
    private static void assertArchived(
            JsonNode object, String key, String contentType, String sourceUrl, String requestId, String jobId)
            throws Exception {
        byte[] original = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(sourceUrl)).build(), HttpResponse.BodyHandlers.ofByteArray())
                .body();
        byte[] stored = bucket.get(key);
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(original);
        assertThat(object.get("key").asText()).isEqualTo(key);
        assertThat(object.get("uri").asText()).isEqualTo("s3://" + BUCKET + "/" + key);
        assertThat(object.get("content_type").asText()).isEqualTo(contentType);
        assertThat(object.get("bytes").asLong()).isEqualTo(original.length);
        assertThat(object.get("sha256").asText()).isEqualTo(HexFormat.of().formatHex(sha256));
        assertThat(stored).as("bytes in the bucket under " + key).isEqualTo(original);
        HttpResponse<Void> head = bucket.head(key);
        assertThat(head.headers().firstValue("x-amz-meta-request-id")).hasValue(requestId);
        assertThat(head.headers().firstValue("x-amz-meta-job-id")).hasValue(jobId);
        assertThat(head.headers().firstValue("Content-Type")).hasValue(contentType);
        assertThat(head.headers().firstValue("x-amz-checksum-sha256"))
                .as("S3's own SHA-256 checksum")
                .hasValue(Base64.getEncoder().encodeToString(sha256));
    }
}
