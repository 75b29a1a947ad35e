package io.whisulbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IP literals only: {@link InetAddress#getByName} on a literal checks its format and looks nothing up, and nothing
 * here connects anywhere.
 */
class AddressRangesTest {

    private static InetAddress literal(String ip) throws UnknownHostException {
        assertThat(ip).matches("[0-9a-fA-F:.]+"); // a host name here would mean a DNS look-up
        return InetAddress.getByName(ip);
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, loopback",
        "127.255.0.9, loopback",
        "::1, loopback",
        "169.254.169.254, link-local",
        "169.254.0.1, link-local",
        "fe80::1, link-local",
        "10.0.0.1, private",
        "10.255.255.255, private",
        "172.16.0.1, private",
        "172.31.255.254, private",
        "192.168.1.1, private",
        "fc00::1, private",
        "fd12:3456:789a::1, private",
        "100.64.0.1, private",
        "0.0.0.0, unspecified",
        "0.1.2.3, unspecified",
        "::, unspecified",
        "224.0.0.1, multicast",
        "239.255.255.250, multicast",
        "ff02::1, multicast",
        "255.255.255.255, multicast",
        "::ffff:127.0.0.1, loopback",
        "::ffff:169.254.169.254, link-local",
        "::ffff:10.1.2.3, private",
        "::127.0.0.1, loopback",
        "64:ff9b::a9fe:a9fe, link-local",
        "64:ff9b::10.0.0.1, private"
    })
    void refusesAddressesOutsideThePublicInternet(String ip, String range) throws UnknownHostException {
        assertThat(AddressRanges.refusal(literal(ip))).contains(range);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "93.184.215.14",
                "8.8.8.8",
                "172.15.255.255",
                "172.32.0.1",
                "100.128.0.1",
                "11.0.0.1",
                "2606:4700::6810:84e5",
                "::ffff:8.8.8.8",
                "64:ff9b::808:808"
            })
    void acceptsPublicUnicastAddresses(String ip) throws UnknownHostException {
        assertThat(AddressRanges.refusal(literal(ip))).isEmpty();
    }
}
