package io.whisulbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobProgressTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRunningJobShowsItsStatePollsAndJobId() throws Exception {
        String line = JobProgress.describeJob(JSON.readTree(
                "{\"request_id\":\"r1\",\"state\":\"polling\",\"job_id\":\"j-9\",\"polls\":3,\"attempts\":4}"));

        assertThat(line).isEqualTo("polling, 3 polls, job j-9");
    }

    @Test
    void oneWordStatesReadAsWordsAndOnePollIsSingular() throws Exception {
        assertThat(JobProgress.describeJob(JSON.readTree("{\"state\":\"waiting_for_key\",\"polls\":1}")))
                .isEqualTo("waiting for key, 1 poll");
    }

    @Test
    void theLastErrorIsShownWhileTheBridgeRetries() throws Exception {
        assertThat(JobProgress.describeJob(JSON.readTree("{\"state\":\"submitting\",\"last_error\":\"HTTP 503\"}")))
                .isEqualTo("submitting, last error: HTTP 503");
    }

    @Test
    void aRequestTheBridgeDoesNotKnowYetIsNotPickedUp() {
        assertThat(JobProgress.describeJob(JSON.missingNode())).isEqualTo("not picked up by the bridge yet");
    }

    @Test
    void noAnswerFromTheStatusApiIsSaid() {
        assertThat(JobProgress.describeJob(null)).contains("no answer");
    }

    @Test
    void theClockShowsMinutesAndSeconds() {
        assertThat(JobProgress.clock(Duration.ofSeconds(7))).isEqualTo("0:07");
        assertThat(JobProgress.clock(Duration.ofSeconds(135))).isEqualTo("2:15");
    }

    @Test
    void withoutATerminalALineIsPrintedOnlyWhenTheJobChanges() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JobProgress progress = new JobProgress(null, "r1", false, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        progress.update(Duration.ofSeconds(1));
        progress.update(Duration.ofSeconds(2));
        progress.finish();

        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).hasSize(1);
    }

    @Test
    void onATerminalTheSameLineIsRewrittenAndEndedOnce() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JobProgress progress = new JobProgress(null, "r1", true, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        progress.update(Duration.ofSeconds(1));
        progress.update(Duration.ofSeconds(2));
        progress.finish();

        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertThat(shown)
                .startsWith("\r  waited 0:01")
                .contains("\r  waited 0:02")
                .endsWith(System.lineSeparator());
        assertThat(shown.chars().filter(c -> c == '\n').count()).as("newlines").isEqualTo(1);
    }
}
