package io.whisulbridge.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** Waiting for a bridge started as a process of its own: until its readiness probe says 200, or it dies. */
public final class ReadinessWait {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ReadinessWait() {}

    /** @param log the process's output so far, for the failure message */
    public static void await(String name, Process process, int managementPort, Duration timeout, Supplier<String> log)
            throws Exception {
        Instant giveUp = Instant.now().plus(timeout);
        while (Instant.now().isBefore(giveUp)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up; its log:\n" + log.get());
            }
            try {
                HttpResponse<Void> ready = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // keep waiting
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + "; its log:\n" + log.get());
    }
}
