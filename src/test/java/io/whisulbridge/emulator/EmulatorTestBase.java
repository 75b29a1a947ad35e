package io.whisulbridge.emulator;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** One Vertx per test class, one emulator per test, tiny job durations so lifecycles finish in milliseconds. */
abstract class EmulatorTestBase {

    static final Duration QUICK_JOB = Duration.ofMillis(150);

    static Vertx vertx;
    WhisulEmulator emulator;
    EmulatorHttp http;

    @BeforeAll
    static void createVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @AfterEach
    void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    WhisulEmulator start(UnaryOperator<EmulatorSettings.Builder> dials) {
        EmulatorSettings settings = dials.apply(EmulatorSettings.builder()
                        .jobDuration(QUICK_JOB)
                        .durationForm(EmulatorSettings.DurationForm.INT)
                        .seed(42L))
                .build();
        emulator = WhisulEmulator.startBlocking(vertx, settings);
        http = new EmulatorHttp(emulator);
        return emulator;
    }

    WhisulEmulator start() {
        return start(b -> b);
    }
}
