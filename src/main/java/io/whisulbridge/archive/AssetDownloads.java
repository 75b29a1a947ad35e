package io.whisulbridge.archive;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import io.whisulbridge.config.BridgeConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Downloads of Whisul's assets, as streams. A client of its own, apart from the Whisul API client: no
 * {@code Authorization} header (the assets live on a CDN that must never see the API key), no share of the Whisul
 * request budget, and a pool sized by {@code ARCHIVE_MAX_CONCURRENT}. The Vert.x core client rather than the
 * WebClient, because its response is a {@code ReadStream} that Mutiny turns into a back-pressured Multi: bytes are
 * read from the socket only as fast as the bucket takes them, so no file is ever whole in memory.
 */
@ApplicationScoped
public class AssetDownloads {

    private static final int CONNECT_TIMEOUT_MS = 10_000;
    // a connection that carries no byte for this long is closed; the per-transfer timeout is the tighter bound
    private static final int IDLE_TIMEOUT_SECONDS = 60;

    private final HttpClient http;

    public AssetDownloads(Vertx vertx, BridgeConfig config) {
        this.http = vertx.createHttpClient(
                new HttpClientOptions()
                        .setConnectTimeout(CONNECT_TIMEOUT_MS)
                        // no Accept-Encoding (the default): the bytes stored are the bytes the asset host holds
                        .setIdleTimeout(IDLE_TIMEOUT_SECONDS)
                        .setIdleTimeoutUnit(TimeUnit.SECONDS),
                new PoolOptions().setHttp1MaxSize(Math.max(1, config.archive().maxConcurrent())));
    }

    /**
     * An asset being downloaded: its length and type from the headers, and its body, to be read exactly once.
     * {@code abort} resets the request; the archiver calls it whenever the upload ends without having read the body
     * (a bucket that refuses the connection never subscribes to it), since an unread response keeps its pooled
     * connection busy until the idle timeout, and a down bucket would soon exhaust the pool.
     */
    public record Download(long length, String contentType, Multi<Buffer> body, Runnable abort) {}

    /**
     * Starts a GET and completes with the response's headers. A 404 or 410 (the asset expired or never existed) and
     * other 4xx fail permanently; 5xx, 408, 429 and network errors fail to be retried. A cancelled or failed transfer
     * resets its request, so the connection does not stay occupied by a half-read body.
     */
    public Uni<Download> open(String url) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(url)
                .setFollowRedirects(true);
        return http.request(options)
                .onFailure()
                .transform(failure ->
                        new TransferFailure("cannot reach " + where(url) + ": " + failure.getMessage(), false))
                .chain(request -> send(request, url));
    }

    private Uni<Download> send(HttpClientRequest request, String url) {
        return request.send()
                .onCancellation()
                .invoke(request::reset)
                .onFailure()
                .invoke(failure -> request.reset())
                .onFailure()
                .transform(failure -> new TransferFailure(where(url) + ": " + failure.getMessage(), false))
                .chain(response -> accept(request, response, url));
    }

    private static Uni<Download> accept(HttpClientRequest request, HttpClientResponse response, String url) {
        int status = response.statusCode();
        if (status != 200) {
            request.reset(); // the error body is of no use, and reading it could hang too
            boolean permanent = status >= 400 && status < 500 && status != 408 && status != 429;
            return Uni.createFrom()
                    .failure(new TransferFailure(
                            where(url) + " answered HTTP " + status
                                    + (status == 404 || status == 410 ? " (the asset expired or never existed)" : ""),
                            permanent));
        }
        String declared = response.getHeader("Content-Length");
        long length = declared == null ? -1 : parseLength(declared);
        Multi<Buffer> body = response.toMulti()
                .onCancellation()
                .invoke(request::reset)
                .onFailure()
                .invoke(failure -> request.reset());
        return Uni.createFrom().item(new Download(length, response.getHeader("Content-Type"), body, request::reset));
    }

    private static long parseLength(String declared) {
        try {
            return Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Host and path, never the query: CDN links often carry a signature there. */
    static String where(String url) {
        try {
            URI uri = URI.create(url);
            return uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
        } catch (IllegalArgumentException notAUri) {
            return "an unreadable URL";
        }
    }

    @PreDestroy
    void close() {
        http.closeAndForget();
    }
}
