package io.whisulbridge.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import org.junit.jupiter.api.Test;

class WaitQueueTest {

    private final WaitQueue<String> queue = new WaitQueue<>(new Object());

    private UniAssertSubscriber<String> waitLast() {
        return Uni.createFrom()
                .<String>emitter(queue::addLast)
                .subscribe()
                .withSubscriber(UniAssertSubscriber.create());
    }

    private UniAssertSubscriber<String> waitFirst() {
        return Uni.createFrom()
                .<String>emitter(queue::addFirst)
                .subscribe()
                .withSubscriber(UniAssertSubscriber.create());
    }

    @Test
    void waitersGetTheirTurnInArrivalOrder() {
        UniAssertSubscriber<String> first = waitLast();
        UniAssertSubscriber<String> second = waitLast();

        queue.poll().complete("one");

        first.assertItem("one");
        second.assertNotTerminated();
        assertThat(queue.size()).isEqualTo(1);
    }

    @Test
    void aWaiterAddedFirstGoesAheadOfThoseAlreadyWaiting() {
        UniAssertSubscriber<String> early = waitLast();
        UniAssertSubscriber<String> urgent = waitFirst();

        queue.poll().complete("turn");

        urgent.assertItem("turn");
        early.assertNotTerminated();
    }

    @Test
    void aCancelledWaiterLeavesTheQueueAndIsNeverHandedATurn() {
        UniAssertSubscriber<String> gone = waitLast();
        UniAssertSubscriber<String> next = waitLast();

        gone.cancel();

        assertThat(queue.size()).isEqualTo(1);
        queue.poll().complete("turn");
        next.assertItem("turn");
        assertThat(queue.poll()).isNull();
    }

    @Test
    void aWaiterCancelledBeforeItIsQueuedDoesNotStay() {
        UniAssertSubscriber<String> subscriber = UniAssertSubscriber.create();
        subscriber.cancel(); // the subscription arrives cancelled, so the emitter is disposed before it is queued

        Uni.createFrom().<String>emitter(queue::addLast).subscribe().withSubscriber(subscriber);

        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void pollAllTakesEveryWaiterInOrder() {
        UniAssertSubscriber<String> first = waitLast();
        UniAssertSubscriber<String> second = waitLast();

        queue.pollAll().forEach(emitter -> emitter.complete("all"));

        first.assertItem("all");
        second.assertItem("all");
        assertThat(queue.isEmpty()).isTrue();
    }
}
