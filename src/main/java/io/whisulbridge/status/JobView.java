package io.whisulbridge.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.whisulbridge.ledger.FinishedRequests;
import io.whisulbridge.polling.Job;
import java.time.Instant;

/** What the service knows of one request, as the status API shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("state") String state,
        @JsonProperty("job_id") String jobId,
        @JsonProperty("partition") Integer partition,
        @JsonProperty("attempts") Integer attempts,
        @JsonProperty("polls") Integer polls,
        @JsonProperty("next_poll_due") String nextPollDue,
        @JsonProperty("deadline") String deadline,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("outcome") String outcome,
        @JsonProperty("finished_at") String finishedAt) {

    static JobView of(Job job) {
        String state =
                job.waitingForKey() ? "waiting_for_key" : job.phase().name().toLowerCase();
        return new JobView(
                job.requestId(),
                state,
                job.jobId(),
                job.partition(),
                job.calls(),
                job.polls(),
                text(job.nextCallAt()),
                text(job.deadline()),
                job.lastError(),
                null,
                null);
    }

    static JobView of(FinishedRequests.Finished finished) {
        return new JobView(
                finished.requestId(),
                "done",
                finished.jobId(),
                null,
                null,
                null,
                null,
                null,
                null,
                finished.outcome(),
                text(finished.finishedAt()));
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
