package io.whisulbridge.messaging;

import static io.whisulbridge.support.OutcomeTopics.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import io.whisulbridge.support.FollowsOutcomeTopics;
import io.whisulbridge.support.ScriptedWhisul;
import io.whisulbridge.support.ScriptedWhisul.Reply;
import io.whisulbridge.support.ScriptedWhisul.Script;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The records the service really publishes match the schemas in docs/asyncapi.yaml. */
@QuarkusTest
@WithBrokerAndWhisul
class AsyncApiContractIT extends FollowsOutcomeTopics {

    private static final ObjectMapper JSON = new ObjectMapper();

    JsonNode asyncApi;

    @BeforeEach
    void readContract() throws IOException {
        asyncApi = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(Path.of("docs/asyncapi.yaml")));
    }

    @Test
    void publishedSongResultMatchesTheSongResultSchema() throws IOException {
        String id = "contract-" + UUID.randomUUID();
        topics.publishPrompt(
                null,
                new JsonObject()
                        .put("request_id", id)
                        .put("prompt", "contract song " + id)
                        .put("metadata", new JsonObject().put("team", "a"))
                        .encode());

        JsonObject song = topics.awaitOutcome(id).value();

        assertThat(violations("SongResult", song)).isEmpty();
    }

    @Test
    void publishedSongFailuresMatchTheSongFailureSchema() throws IOException {
        String invalid = "contract-" + UUID.randomUUID();
        String failed = "contract-" + UUID.randomUUID();
        whisul.script(
                "contract failure " + failed,
                Script.defaults().pollsGet(Reply.json(200, ScriptedWhisul.failedBody("no"))));
        topics.publishPrompt(null, prompt(invalid, " "));
        topics.publishPrompt(null, prompt(failed, "contract failure " + failed));

        assertThat(violations("SongFailure", topics.awaitOutcome(invalid).value()))
                .isEmpty();
        assertThat(violations("SongFailure", topics.awaitOutcome(failed).value()))
                .isEmpty();
    }

    @Test
    void schemaRejectsAnEventThatBreaksTheContract() throws IOException {
        JsonObject broken = new JsonObject().put("request_id", "x").put("reason", "SOMETHING_ELSE");

        assertThat(violations("SongFailure", broken)).isNotEmpty();
    }

    private Set<ValidationMessage> violations(String schemaName, JsonObject event) throws IOException {
        // components.schemas is self-contained apart from local $refs, so it is validated as one document
        JsonNode root = JSON.createObjectNode()
                .put("$schema", "https://json-schema.org/draft/2020-12/schema")
                .set("components", JSON.createObjectNode().set("schemas", asyncApi.at("/components/schemas")));
        ((com.fasterxml.jackson.databind.node.ObjectNode) root).put("$ref", "#/components/schemas/" + schemaName);
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(root, SchemaValidatorsConfig.builder().build());
        return schema.validate(JSON.readTree(event.encode()));
    }
}
