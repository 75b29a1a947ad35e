package io.whisulbridge.messaging;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

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
}
