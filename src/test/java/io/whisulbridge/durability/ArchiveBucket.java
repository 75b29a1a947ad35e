package io.whisulbridge.durability;

import io.whisulbridge.cli.S3MockProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the archive bucket back over S3's REST API (path-style, as S3Mock serves it; S3Mock checks no signature, so
 * plain HTTP requests do): what a downstream consumer would fetch, independent of the bridge's own client.
 */
final class ArchiveBucket {

    private static final Pattern KEY = Pattern.compile("<Key>([^<]+)</Key>");
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final S3MockProcess s3;

    ArchiveBucket(S3MockProcess s3) {
        this.s3 = s3;
    }

    /** Every key under {@code prefix}. */
    List<String> keys(String prefix) throws Exception {
        String body = send(
                        HttpRequest.newBuilder(uri("?list-type=2&max-keys=1000&prefix="
                                        + URLEncoder.encode(prefix, StandardCharsets.UTF_8)))
                                .GET(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        List<String> keys = new ArrayList<>();
        Matcher m = KEY.matcher(body);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    byte[] get(String key) throws Exception {
        return send(HttpRequest.newBuilder(object(key)).GET(), HttpResponse.BodyHandlers.ofByteArray())
                .body();
    }

    /** The object's SHA-256 (hex) and length, streamed: for objects larger than this JVM should hold. */
    Digest digest(String key) throws Exception {
        HttpResponse<InputStream> response =
                send(HttpRequest.newBuilder(object(key)).GET(), HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long length = 0;
        try (InputStream in = response.body()) {
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = in.read(chunk)) > 0; ) {
                sha256.update(chunk, 0, n);
                length += n;
            }
        }
        return new Digest(HexFormat.of().formatHex(sha256.digest()), length);
    }

    record Digest(String sha256, long length) {}

    /** The object's headers, with S3's stored checksum asked for. */
    HttpResponse<Void> head(String key) throws Exception {
        return send(
                HttpRequest.newBuilder(object(key))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .header("x-amz-checksum-mode", "ENABLED"),
                HttpResponse.BodyHandlers.discarding());
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) throws Exception {
        HttpResponse<T> response =
                http.send(request.timeout(Duration.ofSeconds(60)).build(), body);
        if (response.statusCode() != 200) {
            throw new IOException(
                    response.request().method() + " " + response.uri() + " answered " + response.statusCode());
        }
        return response;
    }

    private URI object(String key) {
        return URI.create(s3.endpoint() + "/" + s3.bucket() + "/" + key);
    }

    private URI uri(String query) {
        return URI.create(s3.endpoint() + "/" + s3.bucket() + "/" + query);
    }
}
