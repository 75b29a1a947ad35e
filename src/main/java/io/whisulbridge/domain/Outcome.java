package io.whisulbridge.domain;

/** The one event a request ends with. */
public sealed interface Outcome {

    String requestId();

    record Song(SongResult result) implements Outcome {
        @Override
        public String requestId() {
            return result.requestId();
        }
    }

    record Failure(SongFailure failure) implements Outcome {
        @Override
        public String requestId() {
            return failure.requestId();
        }
    }
}
