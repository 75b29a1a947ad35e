package io.whisulbridge.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The deliveries one outcome record makes: one per operator URL and one to the prompt's {@code callback_url}, each
 * with the same body in the Standard Webhooks payload shape ({@code type}, {@code timestamp}, {@code data} = the
 * outcome event as published) and the same {@code webhook-id}: the outcome's CloudEvents id, which a republished
 * outcome keeps, so receivers can drop repeats.
 */
public final class OutcomeDeliveries {

    static final String COMPLETED_TYPE = "io.whisulbridge.song.completed.v1";
    static final String FAILED_TYPE = "io.whisulbridge.song.failed.v1";

    private final ObjectMapper json;
    private final List<String> operatorUrls;

    public OutcomeDeliveries(ObjectMapper json, List<String> operatorUrls) {
        this.json = json;
        this.operatorUrls = List.copyOf(operatorUrls);
    }

    /**
     * @param song true for a record of {@code songs}, false for {@code song-failures}
     * @param ceId the record's {@code ce_id} header, or null when CloudEvents are off (then derived the same way)
     * @param ceTime the record's {@code ce_time} header, or null (then the record's timestamp)
     */
    public List<Delivery> of(
            boolean song, String requestId, String ceId, String ceTime, Instant recordTime, String value) {
        JsonNode outcome;
        try {
            outcome = json.readTree(value);
        } catch (JsonProcessingException unreadable) {
            // the bridge writes every outcome; a record it cannot read back is not one of them
            return List.of();
        }
        if (outcome == null || !outcome.isObject()) {
            return List.of();
        }
        String id = ceId != null ? ceId : requestId + (song ? ":completed" : ":failed");
        ObjectNode payload = json.createObjectNode()
                .put("type", song ? COMPLETED_TYPE : FAILED_TYPE)
                .put("timestamp", ceTime != null ? ceTime : recordTime.toString());
        payload.set("data", outcome);
        String body = payload.toString();
        List<Delivery> deliveries = new ArrayList<>();
        for (String url : operatorUrls) {
            deliveries.add(Delivery.first(id, url, false, body));
        }
        JsonNode callback = outcome.get("callback_url");
        if (callback != null && callback.isTextual() && !callback.asText().isBlank()) {
            deliveries.add(Delivery.first(id, callback.asText(), true, body));
        }
        return deliveries;
    }

    /** WEBHOOK_URLS as configured: comma-separated, blanks ignored. */
    public static List<String> urls(java.util.Optional<String> commaSeparated) {
        List<String> urls = new ArrayList<>();
        commaSeparated.ifPresent(list -> {
            for (String url : list.split(",")) {
                if (!url.isBlank()) {
                    urls.add(url.trim());
                }
            }
        });
        return urls;
    }
}
