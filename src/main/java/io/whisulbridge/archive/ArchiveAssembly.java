package io.whisulbridge.archive;

import io.whisulbridge.domain.SongArchive;
import io.whisulbridge.domain.SongResult;
import io.whisulbridge.metrics.BridgeMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what became of the two files into the outcome's {@code archive} and {@code archive_error}: a part that failed
 * is null and named in the error; a cover Whisul never made is null without an error; nothing archived at all is
 * {@code "archive": null}. Pure, so every combination is unit-tested.
 */
public final class ArchiveAssembly {

    private ArchiveAssembly() {}

    public static SongResult settle(SongResult song, String bucket, PartResult songPart, PartResult coverPart) {
        SongArchive.ArchivedObject songObject = archived(songPart);
        SongArchive.ArchivedObject coverObject = archived(coverPart);
        List<String> errors = new ArrayList<>();
        error(ArchivePart.SONG, songPart, errors);
        error(ArchivePart.COVER, coverPart, errors);
        String error = errors.isEmpty() ? null : String.join("; ", errors);
        SongArchive where =
                songObject == null && coverObject == null ? null : new SongArchive(bucket, songObject, coverObject);
        return song.archived(where, error);
    }

    public static BridgeMetrics.ArchiveResult result(PartResult songPart, PartResult coverPart) {
        boolean songFailed = !(songPart instanceof PartResult.Archived);
        boolean coverFailed = coverPart instanceof PartResult.Failed;
        if (!songFailed && !coverFailed) {
            return BridgeMetrics.ArchiveResult.ARCHIVED;
        }
        boolean anything = songPart instanceof PartResult.Archived || coverPart instanceof PartResult.Archived;
        return anything ? BridgeMetrics.ArchiveResult.PARTIAL : BridgeMetrics.ArchiveResult.FAILED;
    }

    private static SongArchive.ArchivedObject archived(PartResult part) {
        return part instanceof PartResult.Archived archived ? archived.object() : null;
    }

    private static void error(ArchivePart which, PartResult part, List<String> errors) {
        if (part instanceof PartResult.Failed failed) {
            errors.add(which.label + ": " + failed.reason());
        }
    }
}
