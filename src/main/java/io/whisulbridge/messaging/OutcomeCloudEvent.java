package io.whisulbridge.messaging;

import io.whisulbridge.polling.Job;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * The CloudEvents 1.0 envelope of an outcome, in the Kafka protocol binding's binary mode: the attributes travel as
 * {@code ce_*} headers and the record value stays the outcome's JSON, so consumers that ignore headers notice nothing.
 * Every attribute derives from what the ledger recorded, so an outcome republished after a crash carries the same
 * envelope. (SmallRye's own CloudEvents writer serves its outgoing channels; outcomes leave through the fenced
 * transactional producer instead, so the headers are set here and read back with SmallRye's reader in the tests.)
 */
final class OutcomeCloudEvent {

    static final String SPEC_VERSION = "1.0";
    static final String COMPLETED = "io.whisulbridge.song.completed.v1";
    static final String FAILED = "io.whisulbridge.song.failed.v1";

    private OutcomeCloudEvent() {}

    /** {@code urn:whisul-bridge:<consumer group>}: one source per deployment, stable across restarts. */
    static String defaultSource(String consumerGroup) {
        return "urn:whisul-bridge:" + consumerGroup;
    }

    static void addTo(Headers headers, String source, String requestId, Job.RecordedOutcome outcome) {
        add(headers, "ce_specversion", SPEC_VERSION);
        add(headers, "ce_id", requestId + (outcome.song() ? ":completed" : ":failed"));
        add(headers, "ce_type", outcome.song() ? COMPLETED : FAILED);
        add(headers, "ce_source", source);
        add(headers, "ce_subject", requestId);
        // Always set: SmallRye's reader fails on a record that has a timestamp but no event time.
        add(headers, "ce_time", outcome.decidedAt().toString());
        add(headers, "content-type", "application/json");
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
