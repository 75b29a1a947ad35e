package io.whisulbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Classification of raw Whisul answers, including every "unknown the service must survive" in docs/whisul-api.md. */
class WhisulResponsesTest {

    private static final Instant NOW = Instant.parse("2025-03-01T14:00:00Z");
    private static final String JOB_ID = "3f0c1d9e-8a7b-4c2d-9e1f-0a1b2c3d4e5f";

    private static final String COMPLETED = """
            {"status": "completed", "prompt": "dark trap beat",
             "result": {"title": "Night Drive", "bpm": 140, "duration": "3:07",
                        "song_url": "https://cdn.whisul.com/s/1.mp3", "image_url": "https://cdn.whisul.com/i/1.jpg",
                        "tags": "trap, dark,, 808s "},
             "error": null, "started_at": "2025-03-01 14:00:00", "finished_at": "2025-03-01 14:02:24"}
            """;

    // ---- POST /generate ------------------------------------------------------------------------------------

    @Test
    void submitAcceptedYieldsTheJobId() {
        SubmitResponse answer = WhisulResponses.submit(
                202,
                null,
                "{\"message\": \"Composition task received.\", \"job_id\": \"" + JOB_ID + "\", \"poll_url\": \"/jobs/"
                        + JOB_ID + "\"}",
                NOW);

        assertThat(answer).isEqualTo(new SubmitResponse.Accepted(JOB_ID));
    }

    @Test
    void submitAcceptedWithUnknownExtraFieldsIsStillAccepted() {
        SubmitResponse answer = WhisulResponses.submit(
                202, null, "{\"job_id\": \"" + JOB_ID + "\", \"queue_position\": 7, \"eta\": {\"seconds\": 90}}", NOW);

        assertThat(answer).isEqualTo(new SubmitResponse.Accepted(JOB_ID));
    }

    @ParameterizedTest(name = "202 with body {0}")
    @ValueSource(
            strings = {
                "{\"message\": \"Composition task received.\"}",
                "{\"job_id\": \"\"}",
                "{\"job_id\": null}",
                "<html>Accepted</html>",
                "",
                "[]"
            })
    void submitSuccessWithoutAJobIdIsTakenButUnfollowableNeverRetried(String body) {
        SubmitResponse answer = WhisulResponses.submit(202, null, body, NOW);

        assertThat(answer).isInstanceOf(SubmitResponse.AcceptedWithoutJobId.class);
        assertThat(((SubmitResponse.AcceptedWithoutJobId) answer).description())
                .contains("HTTP 202 without a job_id")
                .contains("not submitted again");
    }

    @ParameterizedTest(name = "HTTP {0} with a job_id")
    @ValueSource(ints = {200, 201, 202, 204, 299})
    void anySuccessWithAJobIdIsAnAcceptedJob(int status) {
        SubmitResponse answer = WhisulResponses.submit(status, null, "{\"job_id\": \"" + JOB_ID + "\"}", NOW);

        assertThat(answer).isEqualTo(new SubmitResponse.Accepted(JOB_ID));
    }

    @Test
    void onlyA429IsRateLimiting() {
        assertThat(WhisulResponses.submit(429, "3", "", NOW))
                .isEqualTo(new SubmitResponse.Transient("HTTP 429", Duration.ofSeconds(3), true));
        assertThat(((SubmitResponse.Transient) WhisulResponses.submit(503, "3", "", NOW)).rateLimited())
                .isFalse();
        assertThat(((PollResponse.Transient) WhisulResponses.poll(429, null, "", NOW)).rateLimited())
                .isTrue();
        assertThat(((PollResponse.Transient) WhisulResponses.poll(500, null, "", NOW)).rateLimited())
                .isFalse();
    }

    @Test
    void submitBadRequestIsRejectedWithWhisulsMessage() {
        SubmitResponse answer = WhisulResponses.submit(
                400, null, "{\"error\": \"Invalid input\", \"message\": \"prompt must not be empty\"}", NOW);

        assertThat(answer).isEqualTo(new SubmitResponse.Rejected("HTTP 400: prompt must not be empty"));
    }

    @Test
    void submitBadRequestWithNonJsonBodyIsRejectedQuotingTheBody() {
        SubmitResponse answer = WhisulResponses.submit(400, null, "Bad Request\n", NOW);

        assertThat(answer).isEqualTo(new SubmitResponse.Rejected("HTTP 400: Bad Request"));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {401, 403})
    void submitAuthFailureIsUnauthorized(int status) {
        assertThat(WhisulResponses.submit(status, null, "{\"error\": \"Unauthorized\"}", NOW))
                .isEqualTo(new SubmitResponse.Unauthorized(status));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {429, 500, 502, 503, 504})
    void submitRateLimitAndServerErrorsAreTransient(int status) {
        assertThat(WhisulResponses.submit(status, null, "", NOW)).isInstanceOf(SubmitResponse.Transient.class);
    }

    @Test
    void retryAfterInSecondsIsHonouredOnRateLimit() {
        SubmitResponse answer = WhisulResponses.submit(429, "12", "{\"error\": \"Too Many Requests\"}", NOW);

        assertThat(answer)
                .isEqualTo(new SubmitResponse.Transient("HTTP 429: Too Many Requests", Duration.ofSeconds(12), true));
    }

    @Test
    void retryAfterAsHttpDateBecomesTheTimeUntilThatDate() {
        SubmitResponse answer = WhisulResponses.submit(429, "Sat, 01 Mar 2025 14:00:45 GMT", "", NOW);

        assertThat(((SubmitResponse.Transient) answer).retryAfter()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void retryAfterHttpDateInThePastMeansRetryNow() {
        SubmitResponse answer = WhisulResponses.submit(429, "Sat, 01 Mar 2025 13:59:00 GMT", "", NOW);

        assertThat(((SubmitResponse.Transient) answer).retryAfter()).isEqualTo(Duration.ZERO);
    }

    @ParameterizedTest(name = "Retry-After: \"{0}\"")
    @NullSource
    @ValueSource(strings = {"", "  ", "soon", "-5", "1.5"})
    void missingOrUnreadableRetryAfterGivesNoHint(String header) {
        SubmitResponse answer = WhisulResponses.submit(429, header, "", NOW);

        assertThat(((SubmitResponse.Transient) answer).retryAfter()).isNull();
    }

    @Test
    void nonJsonServerErrorBodyIsDescribedNotThrown() {
        SubmitResponse answer = WhisulResponses.submit(502, null, "<html>\n  <h1>502 Bad Gateway</h1>\n</html>", NOW);

        assertThat(answer)
                .isEqualTo(new SubmitResponse.Transient("HTTP 502: <html> <h1>502 Bad Gateway</h1> </html>", null));
    }

    @Test
    void longErrorBodyIsTruncatedInTheDescription() {
        SubmitResponse answer = WhisulResponses.submit(500, null, "x".repeat(10_000), NOW);

        String description = ((SubmitResponse.Transient) answer).description();
        assertThat(description).startsWith("HTTP 500: xxx").endsWith("…").hasSizeLessThan(400);
    }

    // ---- GET /jobs/{id} ------------------------------------------------------------------------------------

    @Test
    void runningJobIsRunningWithAKnownStatus() {
        PollResponse answer = WhisulResponses.poll(
                200,
                null,
                "{\"status\": \"running\", \"result\": null, \"error\": null, \"started_at\": \"2025-03-01 14:00:00\"}",
                NOW);

        assertThat(answer).isEqualTo(new PollResponse.Running("running"));
        assertThat(((PollResponse.Running) answer).knownStatus()).isTrue();
    }

    @Test
    void unknownStatusValueIsTreatedAsStillRunningAndFlaggedUnknown() {
        PollResponse answer = WhisulResponses.poll(200, null, "{\"status\": \"queued\"}", NOW);

        assertThat(answer).isEqualTo(new PollResponse.Running("queued"));
        assertThat(((PollResponse.Running) answer).knownStatus()).isFalse();
    }

    @Test
    void completedJobIsNormalised() {
        PollResponse answer = WhisulResponses.poll(200, null, COMPLETED, NOW);

        assertThat(answer)
                .isEqualTo(new PollResponse.Completed(new CompletedJob(
                        "Night Drive",
                        new BigDecimal("140"),
                        187,
                        "https://cdn.whisul.com/s/1.mp3",
                        "https://cdn.whisul.com/i/1.jpg",
                        java.util.List.of("trap", "dark", "808s"),
                        "2025-03-01T14:00:00Z",
                        "2025-03-01T14:02:24Z")));
    }

    @Test
    void completedJobWithIntegerDurationGivesTheSameSeconds() {
        PollResponse answer = WhisulResponses.poll(200, null, COMPLETED.replace("\"3:07\"", "187"), NOW);

        assertThat(((PollResponse.Completed) answer).job().durationSeconds()).isEqualTo(187);
    }

    @Test
    void completedJobWithUnknownExtraFieldsIsStillCompleted() {
        String body = COMPLETED
                .replace(
                        "\"status\": \"completed\",",
                        "\"status\": \"completed\", \"model\": \"v4\", \"credits\": {\"used\": 1},")
                .replace("\"title\":", "\"stems\": [\"a.wav\"], \"title\":");

        PollResponse answer = WhisulResponses.poll(200, null, body, NOW);

        assertThat(answer).isInstanceOf(PollResponse.Completed.class);
        assertThat(((PollResponse.Completed) answer).job().title()).isEqualTo("Night Drive");
    }

    @Test
    void completedJobWithOnlyASongUrlHasNullsForMissingOptionalFields() {
        PollResponse answer = WhisulResponses.poll(
                200,
                null,
                "{\"status\": \"completed\", \"result\": {\"song_url\": \"https://cdn.whisul.com/s/1.mp3\"}}",
                NOW);

        assertThat(answer)
                .isEqualTo(new PollResponse.Completed(new CompletedJob(
                        null, null, null, "https://cdn.whisul.com/s/1.mp3", null, java.util.List.of(), null, null)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "{\"status\": \"completed\"}",
                "{\"status\": \"completed\", \"result\": null}",
                "{\"status\": \"completed\", \"result\": \"https://cdn.whisul.com/s/1.mp3\"}"
            })
    void completedJobWithoutAResultObjectIsAFailure(String body) {
        assertThat(WhisulResponses.poll(200, null, body, NOW))
                .isEqualTo(new PollResponse.Failed("Whisul reported the job completed but sent no result"));
    }

    @Test
    void completedJobWithoutASongUrlIsAFailure() {
        PollResponse answer = WhisulResponses.poll(200, null, COMPLETED.replace("\"song_url\"", "\"audio\""), NOW);

        assertThat(answer).isEqualTo(new PollResponse.Failed("Whisul reported the job completed but sent no song_url"));
    }

    @Test
    void failedJobCarriesWhisulsErrorMessage() {
        PollResponse answer = WhisulResponses.poll(
                200,
                null,
                "{\"status\": \"failed\", \"result\": null, \"error\": \"model overloaded\", \"finished_at\": \"2025-03-01 14:01:00\"}",
                NOW);

        assertThat(answer).isEqualTo(new PollResponse.Failed("model overloaded"));
    }

    @Test
    void failedJobWithoutAMessageGetsADefaultOne() {
        PollResponse answer = WhisulResponses.poll(200, null, "{\"status\": \"failed\", \"error\": null}", NOW);

        assertThat(((PollResponse.Failed) answer).error()).isNotBlank();
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {404, 410})
    void unknownOrExpiredJobIsNotFound(int status) {
        assertThat(WhisulResponses.poll(status, null, "{\"error\": \"Not found\"}", NOW))
                .isEqualTo(new PollResponse.NotFound());
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {401, 403})
    void pollAuthFailureIsUnauthorized(int status) {
        assertThat(WhisulResponses.poll(status, null, "", NOW)).isEqualTo(new PollResponse.Unauthorized(status));
    }

    @Test
    void pollServerErrorWithNonJsonBodyIsTransient() {
        PollResponse answer = WhisulResponses.poll(500, null, "Internal Server Error", NOW);

        assertThat(answer).isEqualTo(new PollResponse.Transient("HTTP 500: Internal Server Error", null));
    }

    @Test
    void pollRateLimitIsTransientAndHonoursRetryAfter() {
        PollResponse answer = WhisulResponses.poll(429, "7", "{\"error\": \"Too Many Requests\"}", NOW);

        assertThat(answer)
                .isEqualTo(new PollResponse.Transient("HTTP 429: Too Many Requests", Duration.ofSeconds(7), true));
    }

    @ParameterizedTest(name = "200 with body \"{0}\"")
    @ValueSource(strings = {"", "<html>OK</html>", "[{\"status\": \"completed\"}]", "\"completed\"", "{\"status\": "})
    void okWithABodyThatIsNotAJsonObjectIsTransient(String body) {
        assertThat(WhisulResponses.poll(200, null, body, NOW)).isInstanceOf(PollResponse.Transient.class);
    }

    @Test
    void okWithoutAStatusIsTransient() {
        PollResponse answer = WhisulResponses.poll(200, null, "{\"state\": \"completed\"}", NOW);

        assertThat(answer).isInstanceOf(PollResponse.Transient.class);
        assertThat(((PollResponse.Transient) answer).description()).contains("without a status");
    }
}
