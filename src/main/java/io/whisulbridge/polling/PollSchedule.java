package io.whisulbridge.polling;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/** When a job is polled. Implementations never ask for two polls of one job closer than {@link #interval()}. */
public interface PollSchedule {

    /** The minimum time between two polls of one job. */
    Duration interval();

    /** Delay from acceptance to the first poll. */
    Duration firstPoll();

    /** Delay from acceptance to the first poll, for schedules that spread jobs accepted together. */
    default Duration firstPoll(DoubleSupplier random) {
        return firstPoll();
    }

    /**
     * @param pollsDone polls made so far, at least 1
     * @param elapsed   time since Whisul accepted the job
     */
    Duration afterPoll(int pollsDone, Duration elapsed, DoubleSupplier random);

    /**
     * The delay {@link JobPolicy} uses after a poll found the job running: the schedule's, but no later than the
     * deadline and never sooner than the interval.
     */
    default Duration nextPoll(int pollsDone, Duration elapsed, Duration untilDeadline, DoubleSupplier random) {
        Duration scheduled = afterPoll(pollsDone, elapsed, random);
        Duration capped = scheduled.compareTo(untilDeadline) > 0 ? untilDeadline : scheduled;
        return capped.compareTo(interval()) < 0 ? interval() : capped;
    }

    /** A poll found a job running at age {@code now}; it was last known running at age {@code since}. */
    default void stillRunning(Duration since, Duration now) {}

    /** A job last known running at age {@code since} finished after {@code took}, for schedules that learn. */
    default void jobCompleted(Duration since, Duration took) {}

    /**
     * The chance that a poll now finds the job done, for ordering polls when the request budget binds; 0 for
     * schedules that do not know (their polls go in arrival order).
     */
    default double doneChance(Duration since, Duration now) {
        return 0;
    }
}
