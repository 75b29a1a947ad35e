package io.whisulbridge.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdmissionTest {

    private final Admission admission = new Admission(2);

    private UniAssertSubscriber<Void> acquire() {
        return admission.acquire().subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    @ParameterizedTest(name = "limit {0}")
    @ValueSource(ints = {0, -1})
    void limitBelowOneIsRefused(int limit) {
        assertThatIllegalArgumentException().isThrownBy(() -> new Admission(limit));
    }

    @Test
    void acquiresUpToTheLimitCompleteAtOnce() {
        acquire().assertCompleted();
        acquire().assertCompleted();

        assertThat(admission.inUse()).isEqualTo(2);
    }

    @Test
    void acquireTakesASlotOnlyWhenSubscribed() {
        admission.acquire();

        assertThat(admission.inUse()).isZero();
    }

    @Test
    void acquireBeyondTheLimitStaysPending() {
        acquire();
        acquire();

        UniAssertSubscriber<Void> third = acquire();

        third.assertNotTerminated();
        assertThat(admission.inUse()).isEqualTo(2);
    }

    @Test
    void releaseHandsTheSlotToAWaiterKeepingItInUse() {
        acquire();
        acquire();
        UniAssertSubscriber<Void> third = acquire();

        admission.release();

        third.assertCompleted();
        assertThat(admission.inUse()).isEqualTo(2);
    }

    @Test
    void waitersAreAdmittedInArrivalOrder() {
        acquire();
        acquire();
        UniAssertSubscriber<Void> third = acquire();
        UniAssertSubscriber<Void> fourth = acquire();

        admission.release();
        third.assertCompleted();
        fourth.assertNotTerminated();

        admission.release();
        fourth.assertCompleted();
    }

    @Test
    void releaseWithoutWaitersFreesASlot() {
        acquire();
        acquire();

        admission.release();

        assertThat(admission.inUse()).isEqualTo(1);
        acquire().assertCompleted();
    }

    @Test
    void cancelledWaiterDoesNotSwallowTheSlot() {
        UniAssertSubscriber<Void> first = acquire();
        acquire();
        UniAssertSubscriber<Void> cancelled = acquire();
        cancelled.cancel();
        first.assertCompleted();

        admission.release();

        assertThat(admission.inUse()).isEqualTo(1);
        acquire().assertCompleted();
    }

    @Test
    void aJobTakenOverFromTheLedgerWaitsAheadOfNewPrompts() {
        acquire();
        acquire();
        UniAssertSubscriber<Void> newPrompt = acquire();
        UniAssertSubscriber<Void> resumed =
                admission.acquireFirst().subscribe().withSubscriber(UniAssertSubscriber.create());

        admission.release();

        resumed.assertCompleted();
        newPrompt.assertNotTerminated();
    }

    @Test
    void aTakeoverDuringABacklogNeverLiftsTheCountAboveTheLimit() {
        acquire();
        acquire();
        UniAssertSubscriber<Void> backlog = acquire();
        UniAssertSubscriber<Void> resumedA =
                admission.acquireFirst().subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Void> resumedB =
                admission.acquireFirst().subscribe().withSubscriber(UniAssertSubscriber.create());

        for (int released = 0; released < 4; released++) {
            admission.release();
            assertThat(admission.inUse()).isLessThanOrEqualTo(2);
        }

        resumedA.assertCompleted();
        resumedB.assertCompleted();
        backlog.assertCompleted();
        assertThat(admission.mostAtOnce()).isEqualTo(2);
    }

    @Test
    void releasingMoreThanWasTakenIsABug() {
        acquire();
        admission.release();

        org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(admission::release);
        assertThat(admission.inUse()).isZero();
    }
}
