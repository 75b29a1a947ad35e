package io.whisulbridge.client;

import java.math.BigDecimal;
import java.util.List;

/** A finished Whisul job, normalised: seconds, ISO-8601 instants and a list of tags. Absent fields are null. */
public record CompletedJob(
        String title,
        BigDecimal bpm,
        Integer durationSeconds,
        String songUrl,
        String imageUrl,
        List<String> tags,
        String startedAt,
        String finishedAt) {}
