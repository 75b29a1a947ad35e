package io.whisulbridge.domain;

/** The one event a request ends with. */
public sealed interface Outcome {

    String requestId();

    /** {@code COMPLETED}, or the failure reason: how the ledger, the status API and the logs name an ending. */
    String name();

    record Song(SongResult result) implements Outcome {
        @Override
        public String requestId() {
            return result.requestId();
        }

        @Override
        public String name() {
            return "COMPLETED";
        }
    }

    record Failure(SongFailure failure) implements Outcome {
        @Override
        public String requestId() {
            return failure.requestId();
        }

        @Override
        public String name() {
            return failure.reason().name();
        }
    }
}
