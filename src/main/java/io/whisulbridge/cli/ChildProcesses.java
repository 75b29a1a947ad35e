package io.whisulbridge.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** How the processes of a local run are started and stopped. */
final class ChildProcesses {

    private ChildProcesses() {}

    /**
     * A terminal's Ctrl-C reaches every process of its foreground group at once, but a local run must stop its
     * children in order (the bridge before the broker it commits to), each on its parent's SIGTERM. So children start
     * with SIGINT ignored; a JVM leaves an ignored SIGINT ignored.
     */
    static List<String> ignoringInterrupt(List<String> command) {
        if (!Files.isExecutable(Path.of("/bin/sh"))) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", "trap '' INT; exec \"$@\"", "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** SIGTERM, then SIGKILL if the process has not exited within {@code limit}. True if it had to be killed. */
    static boolean stop(ProcessHandle process, Duration limit) {
        if (!process.isAlive()) {
            return false;
        }
        process.destroy();
        try {
            process.onExit().get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception notInTime) {
            // killed below
        }
        process.destroyForcibly();
        try {
            process.onExit().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception stillThere) {
            // nothing more a parent can do
        }
        return true;
    }
}
