package io.whisulbridge.archive;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a file goes in the bucket: {@code <prefix>/<request_id>/<job_id>/<song|cover>.<ext>}. A function of the
 * request, the Whisul job and the URL alone, never of time or attempt: a retry, a second owner after a rebalance or a
 * process resumed after a crash writes the same object again instead of a second one.
 */
public final class ArchiveKeys {

    private static final Pattern EXTENSION = Pattern.compile("[a-z0-9]{1,8}");
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._:-]");

    private ArchiveKeys() {}

    public static String key(String prefix, String requestId, String jobId, ArchivePart part, String url) {
        String folder = trimSlashes(prefix);
        String path = segment(requestId) + "/" + segment(jobId) + "/" + part.label + "." + extension(url);
        return folder.isEmpty() ? path : folder + "/" + path;
    }

    /**
     * The URL path's extension ({@code mp3}, {@code jpg}, ...), so the object keeps the name a player or browser
     * expects; {@code bin} when there is none usable. Never the content type: that is only known after the download
     * started, and the key must not depend on an answer that could differ between attempts.
     */
    static String extension(String url) {
        String path;
        try {
            path = URI.create(url).getPath();
        } catch (IllegalArgumentException notAUri) {
            return "bin";
        }
        if (path == null) {
            return "bin";
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return EXTENSION.matcher(ext).matches() ? ext : "bin";
    }

    /**
     * Request ids are already limited to {@code A-Z a-z 0-9 . _ : -}; Whisul's job ids are not ours to trust. A
     * segment of dots alone would read as a relative path in path-style URLs, so it is escaped.
     */
    static String segment(String id) {
        String safe = UNSAFE.matcher(id == null || id.isEmpty() ? "_" : id).replaceAll("_");
        return safe.chars().allMatch(c -> c == '.') ? "_" + safe : safe;
    }

    private static String trimSlashes(String prefix) {
        String p = prefix == null ? "" : prefix.trim();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
