package io.whisulbridge.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EmulatorDialsTest extends EmulatorTestBase {

    private JsonNode awaitFinished(String id) {
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(40))
                .until(() -> !http.pollJson(id).get("status").asText().equals("running"));
        return http.pollJson(id);
    }

    @Test
    void failureProbabilityOneFailsEveryJob() {
        start(b -> b.failureProbability(1.0));
        JsonNode job = awaitFinished(http.submit("sad piano"));

        assertThat(job.get("status").asText()).isEqualTo("failed");
        assertThat(job.get("result").isNull()).isTrue();
        assertThat(job.get("error").asText()).isNotBlank();
        assertThat(job.get("finished_at").asText()).isNotBlank();
        assertThat(emulator.stats().jobsFailed()).isEqualTo(1);
    }

    @Test
    void rateLimitedProbabilityOneGives429WithRetryAfterOnBothEndpoints() {
        start(b -> b.rateLimitedProbability(1.0).retryAfterSeconds(7));

        HttpResponse<String> submit = http.generatePrompt("anything");
        assertThat(submit.statusCode()).isEqualTo(429);
        assertThat(submit.headers().firstValue("Retry-After")).hasValue("7");
        HttpResponse<String> poll = http.poll("00000000-0000-4000-8000-000000000000");
        assertThat(poll.statusCode()).isEqualTo(429);
        assertThat(emulator.stats().jobsCreated()).isZero();
    }

    @Test
    void negativeRetryAfterOmitsTheHeader() {
        start(b -> b.rateLimitedProbability(1.0).retryAfterSeconds(-1));

        HttpResponse<String> r = http.generatePrompt("anything");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).isEmpty();
    }

    @Test
    void serverErrorProbabilityOneGives500() {
        start(b -> b.serverErrorProbability(1.0));

        assertThat(http.generatePrompt("anything").statusCode()).isEqualTo(500);
        assertThat(emulator.stats().injectedServerErrors()).isEqualTo(1);
    }

    @Test
    void authenticationIsCheckedBeforeInjectedFaults() {
        start(b -> b.serverErrorProbability(1.0).rateLimitedProbability(1.0));

        assertThat(http.generate("wrong", "{\"prompt\":\"x\"}").statusCode()).isEqualTo(401);
    }

    @Test
    void expiryProbabilityOneMakesJobs404OnceTheyFinish() {
        start(b -> b.expiryProbability(1.0).jobDuration(Duration.ofMillis(1000)));
        String id = http.submit("techno");

        assertThat(http.poll(id).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> http.poll(id).statusCode() == 404);
        assertThat(emulator.stats().jobsExpired()).isEqualTo(1);
    }

    @Test
    void completedJobsAre404AfterTheirTtl() {
        start(b -> b.completedJobTtl(Duration.ofMillis(300)));
        String id = http.submit("folk guitar");
        assertThat(awaitFinished(id).get("status").asText()).isEqualTo("completed");

        await().atMost(Duration.ofSeconds(5)).until(() -> http.poll(id).statusCode() == 404);
        assertThat(http.getBytes(emulator.rootUrl() + "/assets/" + id + ".wav").statusCode())
                .isEqualTo(404);
        await().atMost(Duration.ofSeconds(2)).until(() -> emulator.stats().retainedJobs() == 0);
    }

    @Test
    void slowResponsesAreDelayedByTheConfiguredAmount() {
        start(b -> b.slowResponse(1.0, Duration.ofMillis(400), Duration.ofMillis(400)));

        long t0 = System.nanoTime();
        HttpResponse<String> r = http.generatePrompt("anything");
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(elapsedMs).isBetween(380L, 5_000L);
        assertThat(emulator.stats().slowResponses()).isEqualTo(1);
    }

    @Test
    void slowResponseDoesNotBlockOtherRequests() throws Exception {
        start(b -> b.slowResponse(1.0, Duration.ofMillis(1500), Duration.ofMillis(1500)));
        Thread slow = new Thread(() -> http.generatePrompt("slow one"));
        slow.start();
        Thread.sleep(100);

        long t0 = System.nanoTime();
        assertThat(http.admin("GET", "/_emulator/stats", null).statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_000L);
        slow.join();
    }

    @Test
    void durationFormIntGivesWholeSeconds() {
        start(b -> b.durationForm(EmulatorSettings.DurationForm.INT));
        JsonNode duration = awaitFinished(http.submit("edm")).get("result").get("duration");

        assertThat(duration.isInt()).isTrue();
    }

    @Test
    void durationFormStringGivesMinutesColonSeconds() {
        start(b -> b.durationForm(EmulatorSettings.DurationForm.STRING));
        JsonNode duration = awaitFinished(http.submit("edm")).get("result").get("duration");

        assertThat(duration.isTextual()).isTrue();
        assertThat(duration.asText()).matches("0:(0[89]|1\\d|20)");
    }

    @Test
    void durationFormMixedProducesBothForms() {
        start(b -> b.durationForm(EmulatorSettings.DurationForm.MIXED));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ids.add(http.submit("song " + i));
        }
        Set<Boolean> textual = new HashSet<>();
        for (String id : ids) {
            textual.add(awaitFinished(id).get("result").get("duration").isTextual());
        }
        assertThat(textual).containsExactlyInAnyOrder(true, false);
    }

    @Test
    void rateLimitAnswers429OnceTheBucketIsEmpty() {
        start(b -> b.rateLimitPerSecond(0.5).rateLimitBurst(3));

        for (int i = 0; i < 3; i++) {
            assertThat(http.generatePrompt("p" + i).statusCode()).isEqualTo(202);
        }
        HttpResponse<String> limited = http.generatePrompt("p3");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(1, 2);
        assertThat(emulator.stats().rateLimitRejections()).isEqualTo(1);
    }

    @Test
    void rateLimitIsPerKey() {
        start(b -> b.apiKeys("a", "b").rateLimitPerSecond(0.1).rateLimitBurst(1));

        assertThat(http.generate("a", "{\"prompt\":\"x\"}").statusCode()).isEqualTo(202);
        assertThat(http.generate("a", "{\"prompt\":\"x\"}").statusCode()).isEqualTo(429);
        assertThat(http.generate("b", "{\"prompt\":\"x\"}").statusCode()).isEqualTo(202);
    }

    @Test
    void sameSeedReproducesTheSameFaultSequence() {
        List<Integer> first = statusesWithSeed(7L);
        List<Integer> second = statusesWithSeed(7L);

        assertThat(first).contains(202, 500);
        assertThat(second).isEqualTo(first);
    }

    private List<Integer> statusesWithSeed(long seed) {
        start(b -> b.seed(seed).serverErrorProbability(0.5));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(http.generatePrompt("p").statusCode());
        }
        emulator.close();
        emulator = null;
        return statuses;
    }

    // ---- asset dials (archiving) ----------------------------------------------------------------------------------

    private JsonNode completed(String prompt) {
        JsonNode job = awaitFinished(http.submit(prompt));
        assertThat(job.get("status").asText()).isEqualTo("completed");
        return job.get("result");
    }

    @Test
    void assetsExpireAfterTheirTtlWhileTheJobStillAnswers() {
        start(b -> b.assetTtl(Duration.ofMillis(300)));
        JsonNode result = completed("lofi");
        String song = result.get("song_url").asText();

        await().atMost(Duration.ofSeconds(5)).until(() -> http.getBytes(song).statusCode() == 404);
        assertThat(http.getBytes(result.get("image_url").asText()).statusCode()).isEqualTo(404);
        assertThat(http.poll(song.substring(song.lastIndexOf('/') + 1, song.length() - 4))
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void assetFailureProbabilityOneAnswers500() {
        start(b -> b.assetFailureProbability(1.0));
        JsonNode result = completed("jazz");

        assertThat(http.getBytes(result.get("song_url").asText()).statusCode()).isEqualTo(500);
        assertThat(http.getBytes(result.get("image_url").asText()).statusCode()).isEqualTo(500);
    }

    @Test
    void aHangingAssetIsNeverAnswered() throws Exception {
        start(b -> b.assetHangProbability(1.0));
        JsonNode result = completed("drone");
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(result.get("song_url").asText()))
                .timeout(Duration.ofSeconds(2))
                .build();

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> client.send(request, HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(java.net.http.HttpTimeoutException.class);
    }

    @Test
    void aSyntheticSongHasTheDialledSizeAndTheBytesSyntheticAssetPredicts() throws Exception {
        long size = 3 * 1024 * 1024 + 17; // not a multiple of a chunk or of a word
        start(b -> b.syntheticSongBytes(size));
        JsonNode result = completed("noise");
        String url = result.get("song_url").asText();
        String jobId = url.substring(url.lastIndexOf('/') + 1, url.length() - 4);

        HttpResponse<byte[]> song = http.getBytes(url);

        assertThat(song.statusCode()).isEqualTo(200);
        assertThat(song.headers().firstValue("Content-Length")).hasValue(String.valueOf(size));
        assertThat(song.body()).hasSize((int) size);
        assertThat(java.security.MessageDigest.getInstance("SHA-256").digest(song.body()))
                .isEqualTo(SyntheticAsset.sha256(jobId, size))
                .isNotEqualTo(SyntheticAsset.sha256("another-job", size));
        assertThat(http.getBytes(result.get("image_url").asText()).headers().firstValue("Content-Type"))
                .as("covers stay real")
                .hasValue("image/png");
    }

    @Test
    void anAssetRequestCarryingAnAuthorizationHeaderIsRefused() throws Exception {
        start();
        JsonNode result = completed("ambient");
        java.net.http.HttpRequest withKey = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(result.get("song_url").asText()))
                .header("Authorization", "Bearer " + emulator.apiKey())
                .build();

        assertThat(java.net.http.HttpClient.newHttpClient()
                        .send(withKey, HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(400);
        assertThat(http.getBytes(result.get("song_url").asText()).statusCode()).isEqualTo(200);
    }

    /**
     * The JDK's HttpClient asks every plain-http request to upgrade to HTTP/2 (h2c); a large asset answered over the
     * upgraded connection once came as a frame larger than the client accepts (ArchiveIT: "Frame type(103)
     * length(11038303) exceeds MAX_FRAME_SIZE(16384)"). The emulator speaks HTTP/1.1, as the API it stands in for.
     */
    @Test
    void aLargeAssetReachesAClientThatAsksForHttp2() throws Exception {
        long size = 11 * 1024 * 1024;
        start(b -> b.syntheticSongBytes(size));
        JsonNode result = completed("wide");
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();

        for (int attempt = 0; attempt < 3; attempt++) {
            HttpResponse<byte[]> song = client.send(
                    java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create(result.get("song_url").asText()))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertThat(song.statusCode()).isEqualTo(200);
            assertThat(song.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
            assertThat(song.body()).hasSize((int) size);
        }
    }
}
