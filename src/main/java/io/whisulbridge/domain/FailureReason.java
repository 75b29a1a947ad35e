package io.whisulbridge.domain;

public enum FailureReason {
    INVALID_PROMPT,
    GENERATION_FAILED,
    JOB_EXPIRED,
    TIMED_OUT,
    RETRIES_EXHAUSTED
}
