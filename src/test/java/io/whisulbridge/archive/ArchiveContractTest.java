package io.whisulbridge.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.whisulbridge.domain.SongArchive;
import io.whisulbridge.domain.SongResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every shape archiving gives a SongResult, serialised as the bridge serialises it, against the SongResult schema of
 * docs/asyncapi.yaml (additionalProperties: false, so a field the contract does not name fails too).
 */
class ArchiveContractTest {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module());
    private static final String SHA = "9c1e" + "0".repeat(60);
    private static final SongResult SONG = new SongResult(
            "r-1",
            "j-1",
            "p",
            "t",
            null,
            10,
            "https://cdn/s.mp3",
            "https://cdn/c.jpg",
            List.of("calm"),
            "2026-11-29T10:00:00Z",
            "2026-11-29T10:01:00Z",
            null,
            null,
            null);
    private static final SongArchive.ArchivedObject AUDIO = new SongArchive.ArchivedObject(
            "songs/r-1/j-1/song.mp3", "s3://b/songs/r-1/j-1/song.mp3", 3, SHA, "audio/mpeg");
    private static final SongArchive.ArchivedObject COVER = new SongArchive.ArchivedObject(
            "songs/r-1/j-1/cover.jpg", "s3://b/songs/r-1/j-1/cover.jpg", 2, SHA, "image/jpeg");

    private static JsonSchema schema;

    @BeforeAll
    static void readTheContract() throws Exception {
        JsonNode asyncApi =
                new ObjectMapper(new YAMLFactory()).readTree(Files.readString(Path.of("docs/asyncapi.yaml")));
        ObjectNode root = JSON.createObjectNode().put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", JSON.createObjectNode().set("schemas", asyncApi.at("/components/schemas")));
        root.put("$ref", "#/components/schemas/SongResult");
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(root, SchemaValidatorsConfig.builder().build());
    }

    private static Set<ValidationMessage> violations(SongResult song) throws Exception {
        return schema.validate(JSON.readTree(JSON.writeValueAsString(song)));
    }

    @Test
    void everyShapeArchivingProducesMatchesTheContract() throws Exception {
        assertThat(violations(SONG)).as("archiving off").isEmpty();
        assertThat(violations(ArchiveAssembly.settle(
                        SONG, "b", new PartResult.Archived(AUDIO), new PartResult.Archived(COVER))))
                .as("both archived")
                .isEmpty();
        assertThat(violations(
                        ArchiveAssembly.settle(SONG, "b", new PartResult.Archived(AUDIO), new PartResult.Absent())))
                .as("no cover art")
                .isEmpty();
        assertThat(violations(ArchiveAssembly.settle(
                        SONG, "b", new PartResult.Archived(AUDIO), new PartResult.Failed("HTTP 404"))))
                .as("cover failed")
                .isEmpty();
        assertThat(violations(ArchiveAssembly.settle(
                        SONG, "b", new PartResult.Failed("down"), new PartResult.Failed("down"))))
                .as("nothing archived")
                .isEmpty();
    }

    @Test
    void theContractRejectsAnArchivedObjectThatBreaksIt() throws Exception {
        SongArchive.ArchivedObject base64Digest =
                new SongArchive.ArchivedObject("k", "s3://b/k", 3, "nOHg/base64+not+hex=", "audio/mpeg");

        assertThat(violations(SONG.archived(new SongArchive("b", base64Digest, null), null)))
                .isNotEmpty();
    }
}
