package io.whisulbridge.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.whisulbridge.metrics.BridgeMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The budget on a hand-driven clock and timer wheel: what is released when, without sleeping. */
class RequestBudgetTest {

    private static final long MS = 1_000_000L;

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final FakeTime time = new FakeTime();
    private final RequestBudget budget = new RequestBudget(
            20, Duration.ofSeconds(10), 5, Duration.ofSeconds(3), true, time::now, time, new BridgeMetrics(registry));

    @Test
    void callsWithinTheBudgetGoOutAtOnce() {
        var first = subscribe();
        var second = subscribe();

        first.assertItem(new RequestBudget.Permit(time.now()));
        second.assertCompleted();
        assertThat(waitTimer().count()).isEqualTo(2);
        assertThat(waitTimer().totalTime(TimeUnit.NANOSECONDS)).isZero();
        assertThat(time.pending()).as("nothing to wake up for").isZero();
    }

    @Test
    void callsBeyondItWaitInOrderAndLeaveOneIntervalApartFromASingleTimer() {
        drainBurst();
        List<UniAssertSubscriber<RequestBudget.Permit>> waiting =
                IntStream.range(0, 4).mapToObj(i -> subscribe()).toList();

        waiting.forEach(UniAssertSubscriber::assertNotTerminated);
        assertThat(time.pending()).isEqualTo(1);
        assertThat(gauge("whisul.bridge.budget.waiting")).isEqualTo(4);

        time.advance(50 * MS);
        waiting.get(0).assertCompleted();
        waiting.subList(1, 4).forEach(UniAssertSubscriber::assertNotTerminated);

        time.advance(150 * MS);
        waiting.forEach(UniAssertSubscriber::assertCompleted);
        assertThat(waiting.stream()
                        .map(s -> s.getItem().grantedAt()
                                - waiting.get(0).getItem().grantedAt()))
                .containsExactly(0L, 50 * MS, 100 * MS, 150 * MS);
        assertThat(time.pending()).as("the timer stops when the queue is empty").isZero();
        assertThat(waitTimer().max(TimeUnit.MILLISECONDS)).isEqualTo(200);
        assertThat(gauge("whisul.bridge.budget.waiting")).isZero();
    }

    @Test
    void whenTheBudgetBindsProbesGoFirstThenPollsLikeliestToFindTheirJobDoneThenSubmitsEachInArrivalOrder() {
        drainBurst();
        var submit = subscribe(RequestBudget.SUBMIT);
        var unlikelyPoll = subscribe(RequestBudget.pollPriority(0.1));
        var likelyPoll = subscribe(RequestBudget.pollPriority(0.8));
        var blindPoll = subscribe(RequestBudget.pollPriority(0.1));
        var probe = subscribe(RequestBudget.PROBE);

        time.advance(250 * MS);

        assertThat(List.of(probe, likelyPoll, unlikelyPoll, blindPoll, submit).stream()
                        .map(s -> (s.getItem().grantedAt() - probe.getItem().grantedAt()) / MS)
                        .toList())
                .as("one call per 50 ms, in priority order, ties in arrival order")
                .containsExactly(0L, 50L, 100L, 150L, 200L);
        Timer polls = registry.get("whisul.bridge.budget.poll.wait").timer();
        assertThat(polls.count())
                .as("the two calls that drained the burst (polls' priority) and the three polls; "
                        + "neither the probe nor the submit")
                .isEqualTo(5);
        assertThat(polls.max(TimeUnit.MILLISECONDS))
                .as("the last poll waited 200 ms")
                .isEqualTo(200);
    }

    @Test
    void submitsArePacedByWhatJobsCostSoThatTheirPollsFitTheBudgetLater() {
        var first = subscribe(RequestBudget.SUBMIT);
        var second = subscribe(RequestBudget.SUBMIT);

        first.assertCompleted();
        time.advance(780 * MS);
        second.assertNotTerminated();
        time.advance(20 * MS);
        // 95 % of 20/s, over the 15 calls a job is assumed to take before any has ended: one submit per 0.79 s
        second.assertCompleted();
        assertThat((second.getItem().grantedAt() - first.getItem().grantedAt()) / MS)
                .isBetween(789L, 791L);
    }

    @Test
    void unpacedSubmitsWaitBehindPollsToo() {
        RequestBudget unpaced = new RequestBudget(
                20,
                Duration.ofSeconds(10),
                5,
                Duration.ofSeconds(3),
                false,
                time::now,
                time,
                new BridgeMetrics(new SimpleMeterRegistry()));
        List<UniAssertSubscriber<RequestBudget.Permit>> calls = List.of(
                        RequestBudget.SUBMIT,
                        RequestBudget.SUBMIT,
                        RequestBudget.SUBMIT,
                        RequestBudget.pollPriority(0),
                        RequestBudget.SUBMIT)
                .stream()
                .map(priority -> unpaced.acquire(priority)
                        .subscribe()
                        .withSubscriber(UniAssertSubscriber.<RequestBudget.Permit>create()))
                .toList();

        time.advance(150 * MS);

        assertThat(calls.stream()
                        .map(c -> (c.getItem().grantedAt()
                                        - calls.get(0).getItem().grantedAt())
                                / MS)
                        .toList())
                .as("a burst of 2, then one per 50 ms: the poll first, then the submits in arrival order")
                .containsExactly(0L, 0L, 100L, 50L, 150L);
    }

    @Test
    void cheaperJobsPaceSubmitsFaster() {
        IntStream.range(0, 200).forEach(i -> budget.jobEnded(3));
        var first = subscribe(RequestBudget.SUBMIT);
        var second = subscribe(RequestBudget.SUBMIT);

        time.advance(200 * MS);

        first.assertCompleted();
        second.assertCompleted();
        assertThat((second.getItem().grantedAt() - first.getItem().grantedAt()) / MS)
                .as("about 3 / 19 s")
                .isBetween(150L, 200L);
    }

    @Test
    void aPollPassesSubmitsHeldBackByTheirPaceAtOnce() {
        subscribe(RequestBudget.SUBMIT).assertCompleted();
        var heldBack = subscribe(RequestBudget.SUBMIT);

        var poll = subscribe(RequestBudget.pollPriority(0.3));

        poll.assertCompleted();
        heldBack.assertNotTerminated();
    }

    @Test
    void aPollPriorityStaysBetweenSubmitsAndProbesWhateverTheChanceSays() {
        assertThat(RequestBudget.pollPriority(-3)).isEqualTo(0).isGreaterThan(RequestBudget.SUBMIT);
        assertThat(RequestBudget.pollPriority(7)).isEqualTo(1).isLessThan(RequestBudget.PROBE);
        assertThat(RequestBudget.pollPriority(Double.NaN)).isEqualTo(0);
        assertThat(RequestBudget.pollPriority(0.25)).isEqualTo(0.25);
    }

    @Test
    void aFullQueueFailsTheCallInsteadOfGrowing() {
        drainBurst();
        IntStream.range(0, 5).forEach(i -> subscribe());

        subscribe().assertFailedWith(RequestBudget.QueueFull.class);
    }

    @Test
    void aCancelledCallLeavesTheQueueWithoutSpendingBudget() {
        drainBurst();
        var cancelled = subscribe();
        var next = subscribe();

        cancelled.cancel();
        time.advance(50 * MS);

        next.assertCompleted();
        assertThat(cancelled.getItem()).isNull();
    }

    @Test
    void a429WithRetryAfterHoldsEveryoneAndHalvesTheRate() {
        RequestBudget.Permit sent = subscribe().awaitItem().getItem();
        subscribe();
        var queued = List.of(subscribe(), subscribe());

        budget.throttled(sent, Duration.ofSeconds(1));

        assertThat(gauge("whisul.bridge.budget.rate")).isEqualTo(10);
        time.advance(999 * MS);
        queued.forEach(UniAssertSubscriber::assertNotTerminated);
        time.advance(100 * MS + MS);
        queued.get(0).assertCompleted();
        queued.get(1).assertNotTerminated();
        time.advance(100 * MS);
        queued.get(1).assertCompleted();
    }

    @Test
    void retryAfterIsHonouredOnlyUpToTheConfiguredMaximum() {
        RequestBudget.Permit sent = subscribe().awaitItem().getItem();
        subscribe();
        var queued = subscribe();

        budget.throttled(sent, Duration.ofHours(1));
        time.advance(3_000 * MS + 100 * MS + MS);

        queued.assertCompleted();
    }

    @Test
    void exportsTheLimitAndRecoversToIt() {
        budget.throttled(subscribe().awaitItem().getItem(), null);

        assertThat(gauge("whisul.bridge.budget.limit")).isEqualTo(20);
        assertThat(gauge("whisul.bridge.budget.rate")).isEqualTo(10);
        time.advance(10_000 * MS);
        assertThat(gauge("whisul.bridge.budget.rate")).isEqualTo(20);
    }

    @Test
    void withoutAShareNoCallGoesOutAndCallsWaitUntilOneComes() {
        budget.share(BudgetShare.NONE);
        List<UniAssertSubscriber<RequestBudget.Permit>> waiting =
                List.of(subscribe(RequestBudget.PROBE), subscribe(), subscribe(RequestBudget.SUBMIT));

        time.advance(60_000 * MS);

        waiting.forEach(UniAssertSubscriber::assertNotTerminated);
        assertThat(time.pending()).as("no timer while nothing may go out").isZero();
        assertThat(gauge("whisul.bridge.budget.rate")).isZero();
        assertThat(gauge("whisul.bridge.budget.share")).isZero();
        assertThat(gauge("whisul.bridge.budget.waiting")).isEqualTo(3);

        budget.share(new BudgetShare(4, 12));
        time.advance(MS);
        waiting.get(0).assertCompleted(); // the probe first, from the new share's one-call bucket
        waiting.get(1).assertNotTerminated();
        time.advance(150 * MS);
        waiting.get(1).assertCompleted();
        assertThat((waiting.get(1).getItem().grantedAt()
                                - waiting.get(0).getItem().grantedAt())
                        / MS)
                .as("one call per 150 ms at 20/s x 4/12")
                .isBetween(149L, 151L);
        assertThat(gauge("whisul.bridge.budget.share")).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(gauge("whisul.bridge.budget.limit"))
                .as("the account's budget")
                .isEqualTo(20);
    }

    @Test
    void withoutAShareTheQueueStaysBoundedAsEver() {
        budget.share(new BudgetShare(0, 12));
        IntStream.range(0, 5).forEach(i -> subscribe().assertNotTerminated());

        subscribe().assertFailedWith(RequestBudget.QueueFull.class);
    }

    @Test
    void aSmallerShareSpacesCallsFurtherApart() {
        budget.share(new BudgetShare(6, 12));
        subscribe().assertCompleted(); // the bucket of 10/s holds one call
        var next = subscribe();

        time.advance(99 * MS);
        next.assertNotTerminated();
        time.advance(2 * MS);
        next.assertCompleted();
    }

    @Test
    void submitsArePacedWithinTheShare() {
        budget.share(new BudgetShare(1, 2));
        var first = subscribe(RequestBudget.SUBMIT);
        var second = subscribe(RequestBudget.SUBMIT);

        time.advance(2_000 * MS);

        first.assertCompleted();
        // 95 % of 10/s over 15 calls a job: one submit per 1.58 s
        assertThat((second.getItem().grantedAt() - first.getItem().grantedAt()) / MS)
                .isBetween(1_578L, 1_580L);
    }

    private UniAssertSubscriber<RequestBudget.Permit> subscribe() {
        return budget.acquire().subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    private UniAssertSubscriber<RequestBudget.Permit> subscribe(double priority) {
        return budget.acquire(priority).subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    private void drainBurst() {
        subscribe().assertCompleted();
        subscribe().assertCompleted();
    }

    private Timer waitTimer() {
        return registry.get("whisul.bridge.budget.wait").timer();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    /** A clock and timer wheel that move only when the test says so. */
    static final class FakeTime implements RequestBudget.Timers {
        private long now = 42 * MS;
        private final List<long[]> dueAt = new ArrayList<>();
        private final List<Runnable> actions = new ArrayList<>();

        long now() {
            return now;
        }

        @Override
        public void schedule(long delayMillis, Runnable action) {
            dueAt.add(new long[] {now + delayMillis * MS, actions.size()});
            actions.add(action);
        }

        int pending() {
            return (int) dueAt.stream()
                    .filter(due -> actions.get((int) due[1]) != null)
                    .count();
        }

        void advance(long nanos) {
            long until = now + nanos;
            while (true) {
                long[] next = dueAt.stream()
                        .filter(due -> actions.get((int) due[1]) != null && due[0] <= until)
                        .min(Comparator.comparingLong(due -> due[0]))
                        .orElse(null);
                if (next == null) {
                    break;
                }
                now = Math.max(now, next[0]);
                Runnable action = actions.set((int) next[1], null);
                action.run();
            }
            now = until;
        }
    }
}
