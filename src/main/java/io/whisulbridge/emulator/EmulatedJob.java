package io.whisulbridge.emulator;

/** Mutable job entry; touched only on the emulator's event loop. */
final class EmulatedJob {

    enum Status {
        RUNNING,
        COMPLETED,
        FAILED
    }

    final String id;
    final String prompt;
    final Composition composition;
    final long startedAtMillis;
    final boolean willFail;
    final boolean willExpire;
    final boolean durationAsString;
    Status status = Status.RUNNING;
    long finishedAtMillis;
    long timerId = -1;

    EmulatedJob(
            String id,
            String prompt,
            Composition composition,
            long startedAtMillis,
            boolean willFail,
            boolean willExpire,
            boolean durationAsString) {
        this.id = id;
        this.prompt = prompt;
        this.composition = composition;
        this.startedAtMillis = startedAtMillis;
        this.willFail = willFail;
        this.willExpire = willExpire;
        this.durationAsString = durationAsString;
    }
}
