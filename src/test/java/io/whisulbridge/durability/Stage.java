package io.whisulbridge.durability;

import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.emulator.EmulatorSettings;
import io.whisulbridge.emulator.WhisulEmulator;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One broker process and one Whisul emulator for every process-level test class of this JVM, started on first use
 * and stopped when the JVM exits: starting a broker costs seconds, and each test has topics and a consumer group of
 * its own anyway ({@link Scenario}). A test class sets the emulator's dials it needs before each test.
 */
final class Stage {

    static final Path WORK = Path.of("target", "durability");
    static final String KEY = "durability-key";

    private static Stage current;

    final BrokerProcess broker;
    final WhisulEmulator whisul;

    private Stage(BrokerProcess broker, WhisulEmulator whisul) {
        this.broker = broker;
        this.whisul = whisul;
    }

    static synchronized Stage get() throws Exception {
        if (current == null) {
            Files.createDirectories(WORK);
            BrokerProcess broker = BrokerProcess.start(Files.createTempDirectory(WORK.toAbsolutePath(), "broker-"));
            WhisulEmulator whisul = WhisulEmulator.startBlocking(settings().build());
            current = new Stage(broker, whisul);
            Runtime.getRuntime().addShutdownHook(new Thread(current::close, "durability-stage-stop"));
        }
        return current;
    }

    /** The dials every test starts from: the stage's key, integer durations; a test adds its job lengths. */
    static EmulatorSettings.Builder settings() {
        return EmulatorSettings.builder().apiKey(KEY).durationForm(EmulatorSettings.DurationForm.INT);
    }

    private void close() {
        try {
            whisul.close();
            broker.close();
        } catch (Exception e) {
            System.err.println("[durability] stopping the shared broker or emulator failed: " + e);
        }
    }
}
