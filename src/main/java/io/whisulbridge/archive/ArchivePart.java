package io.whisulbridge.archive;

/** The two files of a song: the audio ({@code song_url}) and the cover art ({@code image_url}). */
public enum ArchivePart {
    SONG("song", "song_url"),
    COVER("cover", "image_url");

    final String label;
    final String urlField;

    ArchivePart(String label, String urlField) {
        this.label = label;
        this.urlField = urlField;
    }
}
