package io.whisulbridge.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class SurvivalPollScheduleTest {

    private static final Duration INTERVAL = Duration.ofSeconds(5);
    private static final BackoffPollSchedule PLAIN =
            new BackoffPollSchedule(INTERVAL, INTERVAL, Duration.ofSeconds(10), 1.5, 0.2);
    private static final DoubleSupplier MIDDLE = () -> 0.5;

    private final SurvivalPollSchedule schedule = new SurvivalPollSchedule(
            PLAIN, new SurvivalEstimator(Duration.ofMinutes(10), 1000), Duration.ofSeconds(8), 0.05, 20, 100);

    /** A stream of jobs uniform on [60, 180] s, each followed from acceptance to its end by this schedule. */
    private void learnUniformJobs(int jobs) {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < jobs; i++) {
            double length = 60 + 120 * random.nextDouble();
            Duration age = schedule.firstPoll(random::nextDouble);
            Duration seen = Duration.ZERO;
            int polls = 1;
            while (age.toMillis() / 1000.0 < length) {
                schedule.stillRunning(seen, age);
                seen = age;
                age = age.plus(schedule.afterPoll(polls++, age, random::nextDouble));
            }
            schedule.jobCompleted(seen, Duration.ofMillis((long) (length * 1000)));
        }
    }

    @Test
    void beforeItHasSeenAnyJobItIsThePlainSchedule() {
        assertThat(schedule.firstPoll(MIDDLE)).isEqualTo(PLAIN.firstPoll());
        assertThat(schedule.afterPoll(3, Duration.ofSeconds(20), MIDDLE)).isEqualTo(PLAIN.afterPoll(3, MIDDLE));
        assertThat(schedule.doneChance(Duration.ZERO, Duration.ofSeconds(20))).isZero();
    }

    @Test
    void onceItKnowsNoJobEndsBefore60SecondsItDoesNotPollBefore55() {
        learnUniformJobs(300);

        assertThat(schedule.firstPoll(MIDDLE)).isGreaterThan(Duration.ofSeconds(55));
    }

    @Test
    void aBacklogThatHasRunFor90SecondsWithoutAnEndingTeachesItToWaitThatLongBeforeTheFirstPoll() {
        // only running answers: no job of the backlog has finished yet
        for (int job = 0; job < 50; job++) {
            for (int age = 10; age <= 90; age += 10) {
                schedule.stillRunning(Duration.ofSeconds(age - 10), Duration.ofSeconds(age));
            }
        }

        assertThat(schedule.firstPoll(MIDDLE)).isGreaterThan(Duration.ofSeconds(80));
        assertThat(schedule.afterPoll(9, Duration.ofSeconds(90), MIDDLE))
                .as("past what it knows, every lag target (8 s), up to a second sooner at random")
                .isEqualTo(Duration.ofMillis(7500));
    }

    @Test
    void neverAsksForTwoPollsCloserThanTheIntervalAtAnyAgeOrRandomDraw() {
        learnUniformJobs(300);

        for (int age = 0; age < 700; age++) {
            for (double r : new double[] {0, 0.5, 0.999}) {
                assertThat(schedule.afterPoll(3, Duration.ofMillis(age * 1000L + 300), () -> r))
                        .isGreaterThanOrEqualTo(INTERVAL);
            }
        }
        assertThat(schedule.firstPoll(() -> 0.999)).isGreaterThanOrEqualTo(INTERVAL);
    }

    @Test
    void jobsAcceptedTogetherSpreadTheirPollsOverTheJitter() {
        learnUniformJobs(300);

        Set<Long> firstPolls = new HashSet<>();
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 100; i++) {
            firstPolls.add(schedule.firstPoll(random::nextDouble).toMillis());
        }
        long spread = firstPolls.stream().mapToLong(x -> x).max().orElseThrow()
                - firstPolls.stream().mapToLong(x -> x).min().orElseThrow();

        assertThat(firstPolls).hasSizeGreaterThan(90);
        assertThat(spread)
                .as("up to jitter x interval = 1 s earlier than planned")
                .isBetween(800L, 1000L);
    }

    @Test
    void thePollsItPlacesKeepNineteenJobsInTwentyWithinTheLagTargetAtFewerPollsThanEveryInterval() {
        // enough jobs that the curve's sampling error (about 1 % at 2,000 jobs) does not move the late share much
        learnUniformJobs(2000);
        SplittableRandom random = new SplittableRandom(3);
        int late = 0;
        long polls = 0;
        int jobs = 2000;
        for (int i = 0; i < jobs; i++) {
            double length = 60 + 120 * random.nextDouble();
            double age = schedule.firstPoll(random::nextDouble).toMillis() / 1000.0;
            int n = 1;
            while (age < length) {
                age += schedule.afterPoll(n++, Duration.ofMillis((long) (age * 1000)), random::nextDouble)
                                .toMillis()
                        / 1000.0;
            }
            polls += n;
            late += age - length > 8 ? 1 : 0;
        }

        assertThat((double) late / jobs).isLessThanOrEqualTo(0.06);
        assertThat((double) polls / jobs)
                .as("a fixed 5 s poll makes about 24.5")
                .isLessThan(16);
    }

    @Test
    void aJobPastMostEndingsIsLikelierToBeFoundDoneThanAYoungOne() {
        learnUniformJobs(300);

        double young = schedule.doneChance(Duration.ofSeconds(20), Duration.ofSeconds(30));
        double ripe = schedule.doneChance(Duration.ofSeconds(150), Duration.ofSeconds(160));

        assertThat(young).isZero();
        assertThat(ripe).isGreaterThan(0.2).isLessThanOrEqualTo(1);
    }
}
