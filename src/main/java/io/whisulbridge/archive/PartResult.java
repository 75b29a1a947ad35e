package io.whisulbridge.archive;

import io.whisulbridge.domain.SongArchive;

/** What became of one file: archived, given up on (and why), or never there (a song without cover art). */
public sealed interface PartResult {

    record Archived(SongArchive.ArchivedObject object) implements PartResult {}

    record Failed(String reason) implements PartResult {}

    record Absent() implements PartResult {}
}
