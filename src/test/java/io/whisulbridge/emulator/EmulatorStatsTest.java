package io.whisulbridge.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EmulatorStatsTest extends EmulatorTestBase {

    @Test
    void countsAcceptedSubmissionsPerPrompt() {
        start();
        http.submit("alpha");
        http.submit("alpha");
        http.submit("beta");
        http.generate(emulator.apiKey(), "{\"prompt\": \"\"}");

        EmulatorStats stats = emulator.stats();
        assertThat(stats.submissions("alpha")).isEqualTo(2);
        assertThat(stats.submissions("beta")).isEqualTo(1);
        assertThat(stats.submissionsByPrompt()).hasSize(2);
        assertThat(stats.jobsCreated()).isEqualTo(3);
    }

    @Test
    void countsPollsPerJob() {
        start();
        String a = http.submit("a");
        String b = http.submit("b");
        http.poll(a);
        http.poll(a);
        http.poll(a);
        http.poll(b);
        http.poll("wrong-key-does-not-count-" + a, a);

        EmulatorStats stats = emulator.stats();
        assertThat(stats.polls(a)).isEqualTo(3);
        assertThat(stats.polls(b)).isEqualTo(1);
        assertThat(stats.totalPolls()).isEqualTo(4);
    }

    @Test
    void tracksCurrentAndPeakConcurrentRunningJobs() {
        start(b -> b.jobDuration(Duration.ofMillis(1500)));
        for (int i = 0; i < 5; i++) {
            http.submit("job " + i);
        }
        assertThat(emulator.stats().runningJobs()).isEqualTo(5);

        await().atMost(Duration.ofSeconds(5)).until(() -> emulator.stats().runningJobs() == 0);
        http.submit("after");
        EmulatorStats stats = emulator.stats();
        assertThat(stats.peakRunningJobs()).isEqualTo(5);
        assertThat(stats.jobsCompleted()).isEqualTo(5);
    }

    @Test
    void recordsWhenEachJobFinishedToTheMillisecond() {
        start(b -> b.jobDuration(Duration.ofSeconds(1)));
        long before = System.currentTimeMillis();
        String id = http.submit("timed");
        assertThat(emulator.stats().finishedAt(id)).as("still running").isEmpty();

        await().atMost(Duration.ofSeconds(5))
                .until(() -> emulator.stats().finishedAt(id).isPresent());
        long finished = emulator.stats().finishedAt(id).getAsLong();
        assertThat(finished).isBetween(before + 1000, System.currentTimeMillis());
        JsonNode json = EmulatorHttp.json(http.admin("GET", "/_emulator/stats", null));
        assertThat(json.get("finishedAtByJob").get(id).asLong()).isEqualTo(finished);
    }

    @Test
    void finishTimesAreCappedOldestFirst() {
        start(b -> b.jobDuration(Duration.ofMillis(1)).statsMaxEntries(2));
        String first = http.submit("first");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> emulator.stats().finishedAt(first).isPresent());
        String second = http.submit("second");
        String third = http.submit("third");

        await().atMost(Duration.ofSeconds(5))
                .until(() -> emulator.stats().finishedAt(third).isPresent());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> emulator.stats().finishedAt(second).isPresent());
        assertThat(emulator.stats().finishedAt(first)).isEmpty();
        assertThat(emulator.stats().finishedAtByJob()).hasSize(2);
    }

    @Test
    void countsRequestsPerEndpointAndStatus() {
        start();
        http.submit("x");
        http.generate("bad", "{\"prompt\": \"x\"}");
        http.poll("missing");

        EmulatorStats stats = emulator.stats();
        assertThat(stats.requests(EmulatorStats.GENERATE, 202)).isEqualTo(1);
        assertThat(stats.requests(EmulatorStats.GENERATE, 401)).isEqualTo(1);
        assertThat(stats.requests(EmulatorStats.JOB, 404)).isEqualTo(1);
        assertThat(stats.totalRequests()).isEqualTo(3);
    }

    @Test
    void statsEndpointServesTheSameCountsAsJson() {
        start();
        http.submit("over http");

        HttpResponse<String> r = http.admin("GET", "/_emulator/stats", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode json = EmulatorHttp.json(r);
        assertThat(json.get("jobsCreated").asLong()).isEqualTo(1);
        assertThat(json.get("submissionsByPrompt").get("over http").asLong()).isEqualTo(1);
        assertThat(json.get("requestsByEndpoint")
                        .get(EmulatorStats.GENERATE)
                        .get("202")
                        .asLong())
                .isEqualTo(1);
    }

    @Test
    void resetEndpointForgetsJobsAndZeroesStats() {
        start(b -> b.jobDuration(Duration.ofSeconds(30)));
        String id = http.submit("to be forgotten");

        assertThat(http.admin("POST", "/_emulator/reset", "").statusCode()).isEqualTo(200);

        assertThat(emulator.stats().jobsCreated()).isZero();
        assertThat(emulator.stats().runningJobs()).isZero();
        assertThat(http.poll(id).statusCode()).isEqualTo(404);
    }

    @Test
    void resetStatsKeepsJobs() {
        start(b -> b.jobDuration(Duration.ofSeconds(30)));
        String id = http.submit("kept");

        emulator.resetStats();

        assertThat(emulator.stats().jobsCreated()).isZero();
        assertThat(emulator.stats().runningJobs()).isEqualTo(1);
        assertThat(http.poll(id).statusCode()).isEqualTo(200);
    }

    @Test
    void promptMapIsCappedAndOverflowIsCountedSeparately() {
        start(b -> b.statsMaxEntries(2));
        http.submit("one");
        http.submit("two");
        http.submit("three");
        http.submit("one");

        EmulatorStats stats = emulator.stats();
        assertThat(stats.submissionsByPrompt()).containsOnlyKeys("one", "two");
        assertThat(stats.submissions("one")).isEqualTo(2);
        assertThat(stats.untrackedSubmissions()).isEqualTo(1);
    }
}
