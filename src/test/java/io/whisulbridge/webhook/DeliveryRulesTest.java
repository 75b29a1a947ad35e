package io.whisulbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pure decisions; addresses are IP literals, nothing is resolved or connected to. */
class DeliveryRulesTest {

    private final DeliveryRules strict = new DeliveryRules(Set.of("Hooks.Example.com"), false, false);

    private static Optional<DeliveryRules.Reason> reason(Optional<DeliveryRules.Refusal> refusal) {
        return refusal.map(DeliveryRules.Refusal::reason);
    }

    @Test
    void anAllowedHttpsCallbackPasses() {
        assertThat(strict.checkUrl("https://hooks.example.com/songs?token=x", true))
                .isEmpty();
    }

    @Test
    void plainHttpIsRefusedUnlessAllowed() {
        assertThat(reason(strict.checkUrl("http://hooks.example.com/songs", true)))
                .contains(DeliveryRules.Reason.SCHEME);
        assertThat(new DeliveryRules(Set.of("hooks.example.com"), true, false)
                        .checkUrl("http://hooks.example.com/songs", true))
                .isEmpty();
    }

    @Test
    void aCallbackToAHostOffTheAllowListIsRefused() {
        assertThat(reason(strict.checkUrl("https://evil.example.net/", true)))
                .contains(DeliveryRules.Reason.HOST_NOT_ALLOWED);
    }

    @Test
    void anEmptyAllowListAcceptsNoCallbackAndSaysSo() {
        Optional<DeliveryRules.Refusal> refusal =
                new DeliveryRules(Set.of(), false, false).checkUrl("https://hooks.example.com/", true);
        assertThat(refusal)
                .get()
                .extracting(DeliveryRules.Refusal::detail)
                .asString()
                .contains("no callback_url is accepted");
    }

    @Test
    void theOperatorsOwnUrlsSkipTheAllowListButNotTheScheme() {
        assertThat(strict.checkUrl("https://elsewhere.example.org/hook", false)).isEmpty();
        assertThat(reason(strict.checkUrl("http://elsewhere.example.org/hook", false)))
                .contains(DeliveryRules.Reason.SCHEME);
    }

    @Test
    void aHostResolvingToTheMetadataAddressIsRefusedEvenIfAlsoPublic() throws UnknownHostException {
        Optional<DeliveryRules.Refusal> refusal = strict.checkAddresses(
                "hooks.example.com",
                List.of(InetAddress.getByName("93.184.215.14"), InetAddress.getByName("169.254.169.254")));
        assertThat(reason(refusal)).contains(DeliveryRules.Reason.ADDRESS);
        assertThat(refusal.get().detail()).contains("169.254.169.254", "link-local");
    }

    @Test
    void privateAddressesPassWhenTheOperatorAllowsThem() throws UnknownHostException {
        DeliveryRules local = new DeliveryRules(Set.of("127.0.0.1"), true, true);
        assertThat(local.checkAddresses("127.0.0.1", List.of(InetAddress.getByName("127.0.0.1"))))
                .isEmpty();
    }

    @Test
    void aPublicAddressPasses() throws UnknownHostException {
        assertThat(strict.checkAddresses("hooks.example.com", List.of(InetAddress.getByName("93.184.215.14"))))
                .isEmpty();
    }

    @Test
    void allowedHostsAreReadCommaSeparated() {
        assertThat(DeliveryRules.hosts(Optional.of(" a.example, ,b.example ")))
                .containsExactlyInAnyOrder("a.example", "b.example");
        assertThat(DeliveryRules.hosts(Optional.empty())).isEmpty();
    }
}
