package io.whisulbridge.webhook;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a delivery may go, decided before anything is connected to: the scheme ({@code https} unless
 * {@code WEBHOOK_ALLOW_HTTP}), for a prompt's {@code callback_url} the host allow-list, and for every delivery the
 * addresses its host resolved to ({@link AddressRanges}, unless {@code WEBHOOK_ALLOW_PRIVATE_NETWORKS}). Pure: the
 * caller resolves, and connects only to an address this class accepted.
 */
public final class DeliveryRules {

    /** Metric tag of a refusal. */
    public enum Reason {
        SCHEME("scheme"),
        HOST_NOT_ALLOWED("host_not_allowed"),
        ADDRESS("address"),
        UNRESOLVED("unresolved");

        public final String tag;

        Reason(String tag) {
            this.tag = tag;
        }
    }

    public record Refusal(Reason reason, String detail) {}

    private final Set<String> allowedHosts;
    private final boolean allowHttp;
    private final boolean allowPrivateNetworks;

    public DeliveryRules(Set<String> allowedHosts, boolean allowHttp, boolean allowPrivateNetworks) {
        this.allowedHosts =
                allowedHosts.stream().map(host -> host.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.allowHttp = allowHttp;
        this.allowPrivateNetworks = allowPrivateNetworks;
    }

    /** @param commaSeparated WEBHOOK_ALLOWED_HOSTS as configured, possibly empty */
    public static Set<String> hosts(Optional<String> commaSeparated) {
        return commaSeparated.stream()
                .flatMap(list -> Arrays.stream(list.split(",")))
                .map(String::trim)
                .filter(host -> !host.isEmpty())
                .collect(Collectors.toSet());
    }

    /**
     * @param callback true for a prompt's {@code callback_url}, false for the operator's own {@code WEBHOOK_URLS}
     */
    public Optional<Refusal> checkUrl(String url, boolean callback) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException malformed) {
            return Optional.of(new Refusal(Reason.SCHEME, "not a URL"));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
            return Optional.of(new Refusal(
                    Reason.SCHEME,
                    "scheme '" + scheme + "' is not allowed (https only unless " + "WEBHOOK_ALLOW_HTTP=true)"));
        }
        if (uri.getHost() == null) {
            return Optional.of(new Refusal(Reason.SCHEME, "no host"));
        }
        String host = hostOf(uri);
        if (callback && !allowedHosts.contains(host)) {
            return Optional.of(new Refusal(
                    Reason.HOST_NOT_ALLOWED,
                    "host " + host + " is not on WEBHOOK_ALLOWED_HOSTS"
                            + (allowedHosts.isEmpty() ? " (empty: no callback_url is accepted)" : "")));
        }
        return Optional.empty();
    }

    /** Every address the host resolved to must be allowed: a host that also resolves to 10.0.0.1 is refused. */
    public Optional<Refusal> checkAddresses(String host, List<InetAddress> resolved) {
        if (resolved.isEmpty()) {
            return Optional.of(new Refusal(Reason.UNRESOLVED, host + " resolved to no address"));
        }
        if (allowPrivateNetworks) {
            return Optional.empty();
        }
        for (InetAddress address : resolved) {
            Optional<String> range = AddressRanges.refusal(address);
            if (range.isPresent()) {
                return Optional.of(new Refusal(
                        Reason.ADDRESS,
                        host + " resolved to " + address.getHostAddress() + ", a " + range.get()
                                + " address (allowed only with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true)"));
            }
        }
        return Optional.empty();
    }

    /** The host without IPv6 brackets, lower case. */
    static String hostOf(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
