package io.whisulbridge.messaging;

import java.util.Locale;
import java.util.function.Function;

/**
 * What a prompt record's headers say about CloudEvents, per the Kafka protocol binding: binary mode when the four
 * required attributes are {@code ce_*} headers (the value is then the prompt itself), structured mode when the
 * content type is {@code application/cloudevents+json} (the value is the envelope). SmallRye's own parsing is off on
 * the prompt channel, because it runs inside deserialisation, where a malformed envelope would stall the consumer.
 */
public record CloudEventHeaders(boolean structured, String binaryId) {

    public static final CloudEventHeaders NONE = new CloudEventHeaders(false, null);

    /** @param header the last value of a header as text, or null when absent */
    public static CloudEventHeaders of(Function<String, String> header) {
        String contentType = header.apply("content-type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents+json")) {
            return new CloudEventHeaders(true, null);
        }
        boolean binary = header.apply("ce_specversion") != null
                && header.apply("ce_id") != null
                && header.apply("ce_source") != null
                && header.apply("ce_type") != null;
        return binary ? new CloudEventHeaders(false, header.apply("ce_id")) : NONE;
    }
}
