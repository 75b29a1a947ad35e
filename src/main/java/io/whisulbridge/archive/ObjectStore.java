package io.whisulbridge.archive;

import io.smallrye.mutiny.Uni;
import io.whisulbridge.config.BridgeConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;
import org.reactivestreams.FlowAdapters;
import org.reactivestreams.Subscriber;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The archive bucket, through the AWS SDK v2 asynchronous S3 client on its Netty HTTP client. One object per PUT,
 * streamed: the body is the download itself, so the SDK's own retries are off (a stream cannot be read twice) and
 * {@link SongArchiver} retries whole transfers instead. The SDK computes the object's SHA-256 as it sends and the
 * server checks and keeps it ({@code x-amz-checksum-sha256}, sent as a trailer after the body). It cannot be object
 * metadata: metadata are headers, sent before the first byte, and the digest of a stream is known only after its
 * last.
 */
@ApplicationScoped
public class ObjectStore {

    private final S3AsyncClient s3;
    private final String bucket;

    public ObjectStore(BridgeConfig config) {
        BridgeConfig.Archive archive = config.archive();
        this.bucket = archive.s3().bucket().orElse(null);
        this.s3 = archive.enabled() ? client(archive) : null;
    }

    private static S3AsyncClient client(BridgeConfig.Archive archive) {
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                // explicit region and the standard provider chain: nothing is guessed from instance metadata
                // unless the chain gets that far (AWS_EC2_METADATA_DISABLED=true stops it in tests and local runs)
                .region(Region.of(archive.s3().region().orElseThrow()))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .forcePathStyle(archive.s3().pathStyle())
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(Math.max(1, archive.maxConcurrent()))
                        .connectionAcquisitionTimeout(Duration.ofSeconds(60))
                        .connectionTimeout(Duration.ofSeconds(10)))
                .overrideConfiguration(
                        o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallTimeout(archive.transferTimeout()));
        archive.s3().endpoint().filter(e -> !e.isBlank()).ifPresent(e -> builder.endpointOverride(URI.create(e)));
        return builder.build();
    }

    public String bucket() {
        return bucket;
    }

    /** What the bucket said about a stored object: its SHA-256 checksum (base64) when the server keeps one. */
    public record Stored(Optional<String> checksumSha256) {}

    /**
     * Writes (or overwrites) {@code key} with exactly {@code length} bytes from {@code body}. The length must be known:
     * S3 needs it for a streamed single PUT, and the alternative (multipart of unknown length) buffers a part of
     * at least 5 MiB per transfer in heap.
     */
    public Uni<Stored> put(
            String key,
            long length,
            String contentType,
            Map<String, String> metadata,
            Flow.Publisher<ByteBuffer> body) {
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(bucket)
                .key(key)
                .contentLength(length)
                .contentType(contentType)
                .metadata(metadata)
                .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                .build();
        return Uni.createFrom()
                .completionStage(() -> s3.putObject(request, new StreamedBody(length, contentType, body)))
                .map(response -> new Stored(Optional.ofNullable(response.checksumSHA256())));
    }

    /** A body of known length and type whose bytes come from a (single-use) publisher. */
    private record StreamedBody(long length, String type, Flow.Publisher<ByteBuffer> bytes)
            implements AsyncRequestBody {
        @Override
        public Optional<Long> contentLength() {
            return Optional.of(length);
        }

        @Override
        public String contentType() {
            return type;
        }

        @Override
        public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
            FlowAdapters.toPublisher(bytes).subscribe(subscriber);
        }
    }

    @PreDestroy
    void close() {
        if (s3 != null) {
            s3.close();
        }
    }
}
