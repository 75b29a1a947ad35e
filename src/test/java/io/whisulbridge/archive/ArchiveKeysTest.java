package io.whisulbridge.archive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArchiveKeysTest {

    @Test
    void aKeyNamesPrefixRequestJobAndPartWithTheUrlsExtension() {
        assertThat(ArchiveKeys.key("songs", "req-1", "7f3a", ArchivePart.SONG, "https://cdn.whisul.com/a/7f3a.mp3"))
                .isEqualTo("songs/req-1/7f3a/song.mp3");
        assertThat(ArchiveKeys.key(
                        "/archive/whisul/",
                        "req-1",
                        "7f3a",
                        ArchivePart.COVER,
                        "https://cdn.whisul.com/a/7f3a.JPG?sig=abc"))
                .isEqualTo("archive/whisul/req-1/7f3a/cover.jpg");
        assertThat(ArchiveKeys.key("", "r", "j", ArchivePart.SONG, "https://x/y.wav"))
                .isEqualTo("r/j/song.wav");
    }

    @Test
    void theSameRequestJobAndUrlAlwaysGiveTheSameKeyAndSongAndCoverNeverShareOne() {
        String url = "https://cdn.whisul.com/a/file.bin";
        assertThat(ArchiveKeys.key("p", "r", "j", ArchivePart.SONG, url))
                .isEqualTo(ArchiveKeys.key("p", "r", "j", ArchivePart.SONG, url))
                .isNotEqualTo(ArchiveKeys.key("p", "r", "j", ArchivePart.COVER, url));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "https://cdn/x/song.mp3, mp3",
        "https://cdn/x/song, bin",
        "https://cdn/x/song., bin",
        "https://cdn/x.dir/song, bin",
        "https://cdn/x/song.toolongextension, bin",
        "https://cdn/x/song.m p3, bin",
        "not a url at all %%, bin",
    })
    void extensionsComeFromTheUrlPathOrAreBin(String url, String extension) {
        assertThat(ArchiveKeys.extension(url)).isEqualTo(extension);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"req-1:a.b_c, req-1:a.b_c", "., _.", ".., _..", "a/b, a_b", "'', _"})
    void segmentsAreSafeAndNeverARelativePath(String id, String segment) {
        assertThat(ArchiveKeys.segment(id)).isEqualTo(segment);
    }
}
