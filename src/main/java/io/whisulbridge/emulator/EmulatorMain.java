package io.whisulbridge.emulator;

/**
 * Standalone launcher:
 * {@code java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*' io.whisulbridge.emulator.EmulatorMain}.
 * Settings come from WHISUL_EMULATOR_* variables, whisul.emulator.* system properties, then
 * {@code --name=value} arguments, in increasing precedence.
 */
public final class EmulatorMain {

    private EmulatorMain() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        // The quarkus-app classpath carries an SLF4J binding whose backend (JBoss LogManager) sits in lib/boot,
        // outside this classpath; pin Vert.x and Netty to java.util.logging before they look for it.
        if (System.getProperty("vertx.logger-delegate-factory-class-name") == null) {
            System.setProperty(
                    "vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.JULLogDelegateFactory");
        }
        io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
                io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);

        EmulatorSettings settings;
        try {
            EmulatorSettings.Builder builder = EmulatorSettings.builder().port(EmulatorSettings.STANDALONE_PORT);
            EmulatorSettings.fromEnv(System.getenv(), builder);
            EmulatorSettings.fromProperties(System.getProperties(), builder);
            for (String arg : args) {
                if (arg.equals("-h") || arg.equals("--help")) {
                    System.out.println(
                            "Usage: EmulatorMain [--name=value ...]; names as in docs/emulator.md, e.g. "
                                    + "--port=8090 --api-keys=local-dev-key --job-duration=realistic --failure-probability=0.1");
                    return;
                }
                if (!arg.startsWith("--") || !arg.contains("=")) {
                    System.err.println("Ignoring argument '" + arg + "'; expected --name=value");
                    continue;
                }
                int eq = arg.indexOf('=');
                builder.set(arg.substring(2, eq), arg.substring(eq + 1));
            }
            settings = builder.build();
        } catch (IllegalArgumentException e) {
            System.err.println("Invalid emulator setting: " + e.getMessage());
            System.exit(2);
            return;
        }

        WhisulEmulator emulator;
        try {
            emulator = WhisulEmulator.startBlocking(settings);
        } catch (RuntimeException e) {
            System.err.println("Whisul emulator failed to start on " + settings.host() + ":" + settings.port() + ": "
                    + e.getMessage());
            System.exit(1);
            return;
        }

        System.out.println("Whisul emulator listening on " + emulator.rootUrl());
        System.out.println("  WHISUL_BASE_URL=" + emulator.baseUrl());
        System.out.println("  WHISUL_API_KEY=" + emulator.apiKey());
        System.out.println("  assets under " + emulator.publicBaseUrl() + "/assets/, stats at " + emulator.rootUrl()
                + "/_emulator/stats");
        System.out.println("  job duration " + EmulatorSettings.formatDuration(settings.jobDurationMin()) + ".."
                + EmulatorSettings.formatDuration(settings.jobDurationMax()) + ", duration form "
                + settings.durationForm().name().toLowerCase(java.util.Locale.ROOT) + "; Ctrl-C to stop");

        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                emulator.close();
                            } catch (RuntimeException e) {
                                System.err.println("Whisul emulator did not stop cleanly: " + e.getMessage());
                            }
                        },
                        "whisul-emulator-shutdown"));
    }
}
