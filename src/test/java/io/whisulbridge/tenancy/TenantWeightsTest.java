package io.whisulbridge.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TenantWeightsTest {

    @Test
    void namedTenantsGetTheirWeightAndTheOthersOne() {
        TenantWeights weights = TenantWeights.parse(" gold=4, silver = 2 ");

        assertThat(weights.of("gold")).isEqualTo(4);
        assertThat(weights.of("silver")).isEqualTo(2);
        assertThat(weights.of("anyone-else")).isEqualTo(1);
    }

    @Test
    void blankMeansEveryoneWeighsTheSame() {
        assertThat(TenantWeights.parse("")).isEqualTo(TenantWeights.EQUAL);
        assertThat(TenantWeights.parse(null)).isEqualTo(TenantWeights.EQUAL);
    }

    @Test
    void aWeightThatIsNotAWholeNumberFrom1To1000IsRefusedWithTheTenantNamed() {
        assertThatThrownBy(() -> TenantWeights.parse("gold=0")).hasMessageContaining("'gold'");
        assertThatThrownBy(() -> TenantWeights.parse("gold=1.5")).hasMessageContaining("'1.5'");
        assertThatThrownBy(() -> TenantWeights.parse("gold=1001")).hasMessageContaining("1000");
        assertThatThrownBy(() -> TenantWeights.parse("gold")).hasMessageContaining("'gold'");
    }

    @Test
    void aNameOutsideTheTenantAlphabetOrNamedTwiceIsRefused() {
        assertThatThrownBy(() -> TenantWeights.parse("gold team=2")).hasMessageContaining("gold team");
        assertThatThrownBy(() -> TenantWeights.parse("a=1,a=2")).hasMessageContaining("twice");
    }
}
