package io.whisulbridge.config;

/** Reactive Messaging channel names; tests and configuration refer to these. Topic names are configured apart. */
public final class Channels {

    public static final String PROMPTS = "prompts-in";
    public static final String SONGS = "songs-out";
    public static final String FAILURES = "failures-out";
    public static final String LEDGER = "ledger-out";

    private Channels() {
    }
}
