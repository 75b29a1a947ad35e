package io.whisulbridge.config;

/** Reactive Messaging channel names; tests and configuration refer to these. Topic names are configured apart. */
public final class Channels {

    public static final String PROMPTS = "prompts-in";

    private Channels() {}
}
