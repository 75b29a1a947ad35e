package io.whisulbridge.archive;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.whisulbridge.config.BridgeConfig;
import io.whisulbridge.domain.SongArchive;
import io.whisulbridge.domain.SongResult;
import io.whisulbridge.messaging.Admission;
import io.whisulbridge.metrics.BridgeMetrics;
import io.whisulbridge.polling.Job;
import io.whisulbridge.polling.JobLog;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Copies a completed song and its cover into the archive bucket, each file streamed from the asset host straight
 * into a PUT while its SHA-256 is computed. Each file is retried with backoff until {@code ARCHIVE_DEADLINE} (counted
 * from the moment this process saw the job completed); what could not be archived by then is reported in the outcome,
 * never a reason to fail or hold back the song. Transfers of the whole process share {@code ARCHIVE_MAX_CONCURRENT}
 * slots.
 */
@ApplicationScoped
public class SongArchiver {

    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final String FALLBACK_TYPE = "application/octet-stream";

    private final AssetDownloads downloads;
    private final ObjectStore store;
    private final BridgeMetrics metrics;
    private final BridgeConfig.Archive settings;
    private final Admission slots;

    public SongArchiver(AssetDownloads downloads, ObjectStore store, BridgeMetrics metrics, BridgeConfig config) {
        this.downloads = downloads;
        this.store = store;
        this.metrics = metrics;
        this.settings = config.archive();
        this.slots = new Admission(Math.max(1, settings.maxConcurrent()));
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** The job's song with {@code archive} and {@code archive_error} set; unchanged when archiving is off. */
    public Uni<SongResult> archive(Job job) {
        SongResult song = job.completedSong();
        if (!enabled()) {
            return Uni.createFrom().item(song);
        }
        Instant deadline = Instant.now().plus(settings.deadline());
        Uni<PartResult> audio = part(job, ArchivePart.SONG, song.songUrl(), deadline);
        Uni<PartResult> cover = song.imageUrl() == null
                ? Uni.createFrom().item(new PartResult.Absent())
                : part(job, ArchivePart.COVER, song.imageUrl(), deadline);
        return Uni.combine()
                .all()
                .unis(audio, cover)
                .asTuple()
                .map(parts -> settled(job, song, parts.getItem1(), parts.getItem2()));
    }

    private SongResult settled(Job job, SongResult song, PartResult audio, PartResult cover) {
        BridgeMetrics.ArchiveResult result = ArchiveAssembly.result(audio, cover);
        metrics.songArchived(result);
        SongResult archived = ArchiveAssembly.settle(song, store.bucket(), audio, cover);
        if (result == BridgeMetrics.ArchiveResult.ARCHIVED) {
            JobLog.info(job, "archived to bucket %s", store.bucket());
        } else {
            JobLog.warn(job, "published without a full archive: %s", archived.archiveError());
        }
        return archived;
    }

    /** One file: transfers retried with backoff until the deadline; a permanent failure ends it at once. */
    private Uni<PartResult> part(Job job, ArchivePart part, String url, Instant deadline) {
        if (url == null || url.isBlank()) {
            return Uni.createFrom().item(new PartResult.Failed("Whisul's answer has no " + part.urlField));
        }
        String key = ArchiveKeys.key(settings.s3().prefix(), job.requestId(), job.jobId(), part, url);
        AtomicReference<String> lastError = new AtomicReference<>("none");
        Duration budget = Duration.between(Instant.now(), deadline);
        return Uni.createFrom()
                .deferred(() -> withSlot(() -> transfer(job, url, key)))
                .onFailure(failure -> !TransferFailure.isPermanent(failure))
                .invoke(failure -> {
                    lastError.set(describe(failure));
                    metrics.archiveTransferRetried();
                    JobLog.debug(job, "archiving its %s failed (%s); retrying", part.label, describe(failure));
                })
                .onFailure(failure -> !TransferFailure.isPermanent(failure))
                .retry()
                .withBackOff(FIRST_RETRY, settings.retryMaxBackoff())
                .withJitter(0.2)
                .expireAt(deadline.toEpochMilli())
                .ifNoItem()
                .after(budget)
                .failWith(() -> new TransferFailure(
                        "not archived within " + settings.deadline() + " (last error: " + lastError.get() + ")", true))
                .<PartResult>map(PartResult.Archived::new)
                // past the deadline the retry fails with its own "retries exhausted": the last real error says more
                .onFailure()
                .recoverWithItem(failure -> new PartResult.Failed(
                        TransferFailure.isPermanent(failure)
                                ? failure.getMessage()
                                : "not archived within " + settings.deadline() + " (last error: " + lastError.get()
                                        + ")"));
    }

    /** A slot is held from the start of the download to the end of the upload, and given back however it ends. */
    private Uni<SongArchive.ArchivedObject> withSlot(Supplier<Uni<SongArchive.ArchivedObject>> transfer) {
        return slots.acquire()
                .chain(() ->
                        Uni.createFrom().deferred(transfer::get).onTermination().invoke(slots::release));
    }

    /** One attempt: open the download, stream it into the PUT, check the bucket stored what was read. */
    private Uni<SongArchive.ArchivedObject> transfer(Job job, String url, String key) {
        return downloads
                .open(url)
                .chain(download -> upload(job, key, download))
                .ifNoItem()
                .after(settings.transferTimeout())
                .failWith(() -> new TransferFailure(
                        "no transfer of " + AssetDownloads.where(url) + " within " + settings.transferTimeout(),
                        false));
    }

    private Uni<SongArchive.ArchivedObject> upload(Job job, String key, AssetDownloads.Download download) {
        if (download.length() < 0) {
            return Uni.createFrom()
                    .failure(new TransferFailure(
                            "the asset host sent no Content-Length; a streamed " + "upload needs it", true));
        }
        String type = download.contentType() == null || download.contentType().isBlank()
                ? FALLBACK_TYPE
                : download.contentType();
        Digest digest = new Digest();
        Multi<ByteBuffer> bytes = download.body().map(chunk -> digest.update(chunk.getBytes()));
        Map<String, String> metadata = Map.of("request-id", job.requestId(), "job-id", job.jobId());
        return store.put(key, download.length(), type, metadata, bytes)
                .onFailure()
                .invoke(download.abort()) // a no-op once the body was read to its end
                .onCancellation()
                .invoke(download.abort())
                .map(stored -> verified(key, download.length(), type, digest, stored));
    }

    private SongArchive.ArchivedObject verified(
            String key, long length, String type, Digest digest, ObjectStore.Stored stored) {
        if (digest.bytes() != length) {
            throw new TransferFailure("read " + digest.bytes() + " bytes of " + length, false);
        }
        byte[] sha256 = digest.finish();
        String ours = Base64.getEncoder().encodeToString(sha256);
        stored.checksumSha256()
                .filter(theirs -> !theirs.contains("-") && !theirs.equals(ours))
                .ifPresent(theirs -> {
                    throw new TransferFailure(
                            "the bucket stored SHA-256 " + theirs + " for " + key + ", we sent " + ours, false);
                });
        metrics.archiveBytes(length);
        return new SongArchive.ArchivedObject(
                key,
                "s3://" + store.bucket() + "/" + key,
                length,
                HexFormat.of().formatHex(sha256),
                type);
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
    }

    /** SHA-256 and length of the bytes as they stream past; each chunk is copied once, for the SDK to own. */
    private static final class Digest {
        private final MessageDigest sha256;
        private final AtomicLong bytes = new AtomicLong();

        Digest() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        ByteBuffer update(byte[] chunk) {
            sha256.update(chunk); // chunks arrive in order, one at a time (a Multi's onNext is serial)
            bytes.addAndGet(chunk.length);
            return ByteBuffer.wrap(chunk);
        }

        long bytes() {
            return bytes.get();
        }

        byte[] finish() {
            return sha256.digest();
        }
    }
}
