package io.whisulbridge.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which resolved addresses a delivery must not connect to unless {@code WEBHOOK_ALLOW_PRIVATE_NETWORKS=true}: a
 * callback URL is chosen by whoever writes prompts, and without this check it could make the service call its own
 * pod network, the node, or the cloud metadata endpoint (169.254.169.254) and report what it found. Pure: the address
 * is given, nothing is resolved here.
 */
public final class AddressRanges {

    private AddressRanges() {}

    /** Why the address is refused, or empty when it is a public unicast address. */
    public static Optional<String> refusal(InetAddress address) {
        InetAddress checked = embeddedIpv4(address).orElse(address);
        if (checked.isAnyLocalAddress() || isThisNetwork(checked)) {
            return Optional.of("unspecified");
        }
        if (checked.isLoopbackAddress()) {
            return Optional.of("loopback");
        }
        if (checked.isLinkLocalAddress()) {
            return Optional.of("link-local");
        }
        if (checked.isMulticastAddress() || isBroadcast(checked)) {
            return Optional.of("multicast");
        }
        if (checked.isSiteLocalAddress() || isUniqueLocal(checked) || isSharedAddressSpace(checked)) {
            return Optional.of("private");
        }
        return Optional.empty();
    }

    /** 0.0.0.0/8: "this network"; Linux connects 0.x.x.x to the local host. */
    private static boolean isThisNetwork(InetAddress address) {
        return address instanceof Inet4Address && address.getAddress()[0] == 0;
    }

    private static boolean isBroadcast(InetAddress address) {
        byte[] bytes = address.getAddress();
        return address instanceof Inet4Address && bytes[0] == -1 && bytes[1] == -1 && bytes[2] == -1 && bytes[3] == -1;
    }

    /** fc00::/7, the IPv6 counterpart of the private IPv4 ranges ({@code isSiteLocalAddress} knows only fec0::/10). */
    private static boolean isUniqueLocal(InetAddress address) {
        return address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc;
    }

    /** 100.64.0.0/10, carrier-grade NAT: not on the public internet, and some clusters use it for pods. */
    private static boolean isSharedAddressSpace(InetAddress address) {
        byte[] bytes = address.getAddress();
        return address instanceof Inet4Address && (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
    }

    /**
     * The IPv4 address inside an IPv4-compatible (::a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address, so that
     * ::127.0.0.1 is judged as 127.0.0.1. (IPv4-mapped ::ffff:a.b.c.d already arrives as an IPv4 address.)
     */
    private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        boolean compatible = true;
        for (int i = 0; i < 12; i++) {
            compatible &= bytes[i] == 0;
        }
        boolean nat64 = bytes[0] == 0 && bytes[1] == 0x64 && (bytes[2] & 0xff) == 0xff && (bytes[3] & 0xff) == 0x9b;
        for (int i = 4; i < 12 && nat64; i++) {
            nat64 = bytes[i] == 0;
        }
        // ::1 and :: are IPv6 loopback and unspecified, judged as they are
        boolean tiny = compatible && bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0;
        if ((!compatible && !nat64) || tiny) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]}));
        } catch (UnknownHostException impossible) {
            return Optional.empty();
        }
    }
}
