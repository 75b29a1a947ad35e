package io.whisulbridge.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import javax.imageio.ImageIO;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

class EmulatorAssetsTest extends EmulatorTestBase {

    private JsonNode completedResult(String prompt) {
        String id = http.submit(prompt);
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> http.pollJson(id).get("status").asText().equals("completed"));
        return http.pollJson(id).get("result");
    }

    @Test
    void wavParsesAndItsLengthIsTheReportedDuration() throws Exception {
        start();
        JsonNode result = completedResult("dark trap with heavy 808s");

        HttpResponse<byte[]> r = http.getBytes(result.get("song_url").asText());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("audio/wav");
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(r.body()))) {
            AudioFormat f = in.getFormat();
            assertThat(f.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
            assertThat(f.getSampleSizeInBits()).isEqualTo(16);
            assertThat(f.getChannels()).isEqualTo(1);
            double seconds = in.getFrameLength() / f.getFrameRate();
            assertThat(seconds).isEqualTo(result.get("duration").asInt());
            assertThat(seconds).isBetween(8.0, 20.0);
        }
    }

    @Test
    void wavIsAudiblyNonSilent() throws Exception {
        start();
        JsonNode result = completedResult("calm ambient piano");

        byte[] wav = http.getBytes(result.get("song_url").asText()).body();
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            byte[] pcm = in.readAllBytes();
            ByteBuffer b = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
            double sumSquares = 0;
            int n = pcm.length / 2;
            for (int i = 0; i < n; i++) {
                double s = b.getShort() / 32768.0;
                sumSquares += s * s;
            }
            assertThat(Math.sqrt(sumSquares / n)).isGreaterThan(0.02);
        }
    }

    @Test
    void coverIsAPngImageIoCanRead() throws Exception {
        start();
        JsonNode result = completedResult("happy summer guitar");

        HttpResponse<byte[]> r = http.getBytes(result.get("image_url").asText());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
        try (InputStream in = new ByteArrayInputStream(r.body())) {
            BufferedImage img = ImageIO.read(in);
            assertThat(img).isNotNull();
            assertThat(img.getWidth()).isEqualTo(CoverArt.SIZE);
            assertThat(img.getHeight()).isEqualTo(CoverArt.SIZE);
        }
    }

    @Test
    void assetsAreRenderedOnceAndServedFromCache() {
        start();
        JsonNode result = completedResult("retro synthwave");

        byte[] first = http.getBytes(result.get("song_url").asText()).body();
        byte[] second = http.getBytes(result.get("song_url").asText()).body();

        assertThat(second).isEqualTo(first);
        assertThat(emulator.stats().assetsRendered()).isEqualTo(1);
    }

    @Test
    void assetsOfRunningOrUnknownJobsAre404() {
        start(b -> b.jobDuration(Duration.ofSeconds(30)));
        String id = http.submit("slow ballad");

        assertThat(http.getBytes(emulator.rootUrl() + "/assets/" + id + ".wav").statusCode())
                .isEqualTo(404);
        assertThat(http.getBytes(emulator.rootUrl() + "/assets/nope.png").statusCode())
                .isEqualTo(404);
    }
}
