package io.whisulbridge.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BudgetShareTest {

    @Test
    void anInstanceSpendsTheBudgetInProportionToThePartitionsItOwns() {
        assertThat(new BudgetShare(4, 12).of(20)).isCloseTo(6.667, within(0.001));
        assertThat(new BudgetShare(6, 12).of(20)).isEqualTo(10);
        assertThat(new BudgetShare(12, 12).of(20)).isEqualTo(20);
    }

    @Test
    void theSharesOfAGroupAddUpToTheBudgetWhateverTheSplit() {
        int[] split = {5, 4, 3}; // 12 partitions over 3 instances, unevenly
        double sum = 0;
        for (int owned : split) {
            sum += new BudgetShare(owned, 12).of(20);
        }

        assertThat(sum).isCloseTo(20, within(1e-9));
    }

    @Test
    void noPartitionMeansNoBudgetBeforeTheFirstAssignmentToo() {
        assertThat(new BudgetShare(0, 12).of(20)).isZero();
        assertThat(BudgetShare.NONE.of(20)).isZero();
        assertThat(BudgetShare.NONE.fraction()).isZero();
    }

    @Test
    void neverMoreThanTheWholeBudget() {
        // a topic that just grew: the assignment already names a partition the client's count does not know yet
        assertThat(new BudgetShare(13, 12).of(20)).isEqualTo(20);
    }

    @Test
    void refusesNegativeCounts() {
        assertThatIllegalArgumentException().isThrownBy(() -> new BudgetShare(-1, 12));
        assertThatIllegalArgumentException().isThrownBy(() -> new BudgetShare(1, -12));
    }

    @Test
    void describesItselfForTheLog() {
        assertThat(new BudgetShare(4, 12).describe(20))
                .isEqualTo("4 of 12 prompt partitions owned here, 6.67 requests/s of the account's 20");
        assertThat(new BudgetShare(0, 12).describe(20))
                .isEqualTo("0 of 12 prompt partitions owned here, 0 requests/s of the account's 20");
        assertThat(BudgetShare.NONE.describe(2.5))
                .isEqualTo("no prompt partition owned here yet, 0 requests/s of the account's 2.50");
    }
}
