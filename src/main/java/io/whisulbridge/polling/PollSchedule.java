package io.whisulbridge.polling;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/** When a job is polled. Implementations never ask for two polls of one job closer than {@link #interval()}. */
public interface PollSchedule {

    /** The minimum time between two polls of one job. */
    Duration interval();

    /** Delay from acceptance to the first poll. */
    Duration firstPoll();

    /**
     * @param pollsDone polls made so far, at least 1
     * @param elapsed   time since Whisul accepted the job
     */
    Duration afterPoll(int pollsDone, Duration elapsed, DoubleSupplier random);

    /** How long a finished job took, for schedules that learn from it. */
    default void jobCompleted(Duration took) {
    }
}
