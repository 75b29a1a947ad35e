package io.whisulbridge.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import io.whisulbridge.domain.SongArchive;
import io.whisulbridge.domain.SongResult;
import io.whisulbridge.metrics.BridgeMetrics;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every combination of what became of the song and the cover, as the outcome shows it. */
class ArchiveAssemblyTest {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module());
    private static final SongResult SONG = new SongResult(
            "r-1",
            "j-1",
            "p",
            "t",
            null,
            10,
            "https://cdn/s.mp3",
            "https://cdn/c.jpg",
            List.of(),
            null,
            null,
            null,
            null,
            null);
    private static final SongArchive.ArchivedObject AUDIO =
            new SongArchive.ArchivedObject("k/song.mp3", "s3://b/k/song.mp3", 3, "abc", "audio/mpeg");
    private static final SongArchive.ArchivedObject COVER =
            new SongArchive.ArchivedObject("k/cover.jpg", "s3://b/k/cover.jpg", 2, "def", "image/jpeg");

    @Test
    void bothArchivedGiveBothObjectsAndNoError() throws Exception {
        PartResult song = new PartResult.Archived(AUDIO);
        PartResult cover = new PartResult.Archived(COVER);

        SongResult result = ArchiveAssembly.settle(SONG, "b", song, cover);

        assertThat(result.archive()).contains(new SongArchive("b", AUDIO, COVER));
        assertThat(result.archiveError()).isNull();
        assertThat(ArchiveAssembly.result(song, cover)).isEqualTo(BridgeMetrics.ArchiveResult.ARCHIVED);
        String json = JSON.writeValueAsString(result);
        assertThat(json)
                .contains("\"archive\":{\"bucket\":\"b\",\"song\":{\"key\":\"k/song.mp3\",\"uri\":"
                        + "\"s3://b/k/song.mp3\",\"bytes\":3,\"sha256\":\"abc\",\"content_type\":\"audio/mpeg\"}")
                .doesNotContain("archive_error");
    }

    @Test
    void aSongWithoutCoverArtHasANullCoverAndNoError() throws Exception {
        PartResult song = new PartResult.Archived(AUDIO);
        PartResult cover = new PartResult.Absent();

        SongResult result = ArchiveAssembly.settle(SONG, "b", song, cover);

        assertThat(result.archive()).contains(new SongArchive("b", AUDIO, null));
        assertThat(result.archiveError()).isNull();
        assertThat(ArchiveAssembly.result(song, cover)).isEqualTo(BridgeMetrics.ArchiveResult.ARCHIVED);
        assertThat(JSON.writeValueAsString(result)).contains("\"cover\":null");
    }

    @Test
    void aFailedCoverIsNullAndNamedInTheError() {
        PartResult song = new PartResult.Archived(AUDIO);
        PartResult cover = new PartResult.Failed("HTTP 404");

        SongResult result = ArchiveAssembly.settle(SONG, "b", song, cover);

        assertThat(result.archive()).contains(new SongArchive("b", AUDIO, null));
        assertThat(result.archiveError()).isEqualTo("cover: HTTP 404");
        assertThat(ArchiveAssembly.result(song, cover)).isEqualTo(BridgeMetrics.ArchiveResult.PARTIAL);
    }

    @Test
    void nothingArchivedIsANullArchiveWithEveryReason() throws Exception {
        PartResult song = new PartResult.Failed("bucket down");
        PartResult cover = new PartResult.Failed("bucket down too");

        SongResult result = ArchiveAssembly.settle(SONG, "b", song, cover);

        assertThat(result.archive()).isEqualTo(Optional.empty());
        assertThat(result.archiveError()).isEqualTo("song: bucket down; cover: bucket down too");
        assertThat(ArchiveAssembly.result(song, cover)).isEqualTo(BridgeMetrics.ArchiveResult.FAILED);
        assertThat(JSON.writeValueAsString(result))
                .contains("\"archive\":null")
                .contains("\"archive_error\":\"song: bucket down; cover: bucket down too\"")
                .contains("\"song_url\":\"https://cdn/s.mp3\""); // Whisul's own links stay
    }

    @Test
    void aFailedSongWithoutCoverIsAFailureNotAPartialOne() {
        PartResult song = new PartResult.Failed("gone");
        PartResult cover = new PartResult.Absent();

        assertThat(ArchiveAssembly.settle(SONG, "b", song, cover).archive()).isEmpty();
        assertThat(ArchiveAssembly.result(song, cover)).isEqualTo(BridgeMetrics.ArchiveResult.FAILED);
    }

    @Test
    void withArchivingOffNeitherFieldIsWritten() throws Exception {
        assertThat(JSON.writeValueAsString(SONG)).doesNotContain("archive");
    }
}
