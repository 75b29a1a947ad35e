package io.whisulbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.whisulbridge.config.TopicSet;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Try the bridge end to end with nothing but a JDK: publishes one prompt event, waits for its outcome on the
 * songs / song-failures topics, prints it, and for a {@code SongResult} downloads {@code song_url} and
 * {@code image_url} and checks that they are a real, non-silent audio file and a real image.
 *
 * <pre>
 * java -cp ... io.whisulbridge.cli.TryPrompt [--bootstrap=HOST:PORT] [--timeout=3m] [--request-id=ID]
 *                                            [--save-dir=DIR] [--status-url=URL] [--no-download] a prompt in words
 * </pre>
 *
 * The last line of the outcome block is {@code raw outcome: <json>}, the record value as published, for scripts.
 * Exit codes: 0 a SongResult whose files are valid; 1 a SongFailure, a timeout, or a file that is not valid;
 * 2 bad usage or no usable broker/topic.
 */
public final class TryPrompt {

    static final String RAW_PREFIX = "raw outcome: ";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TryPrompt() {}

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    /** Runs {@code try} and returns its exit code. */
    static int run(String[] argv) {
        System.setProperty("java.awt.headless", "true");
        CliSupport.Args args;
        Duration timeout;
        try {
            args = CliSupport.Args.parse(
                    argv,
                    List.of(
                            "bootstrap",
                            "timeout",
                            "request-id",
                            "save-dir",
                            "status-url",
                            "webhook-secret",
                            "archive-endpoint"),
                    List.of("no-download", "help", "webhook"));
            if (args.flag("help")) {
                System.out.println("Usage: TryPrompt [--bootstrap=HOST:PORT] [--timeout=3m] [--request-id=ID] "
                        + "[--save-dir=DIR] [--status-url=http://HOST:MANAGEMENT_PORT] [--no-download] "
                        + "[--archive-endpoint=http://HOST:PORT] [--webhook [--webhook-secret=whsec_...]] "
                        + "a prompt in words");
                return 0;
            }
            timeout = CliSupport.duration(args.get("timeout", "3m"));
        } catch (IllegalArgumentException e) {
            System.err.println("try: " + e.getMessage());
            return CliSupport.EXIT_SETUP;
        }
        String prompt = String.join(" ", args.positional).trim();
        if (prompt.isEmpty()) {
            System.err.println("try: give a prompt, e.g. \"melancholic piano in the rain\"");
            return CliSupport.EXIT_SETUP;
        }
        String requestId = args.get("request-id", newRequestId());
        String bootstrap = args.get("bootstrap", CliSupport.defaultBootstrap());
        Path saveDir = args.options.containsKey("save-dir") ? Path.of(args.get("save-dir", ".")) : null;
        JobProgress progress =
                new JobProgress(args.get("status-url", null), requestId, System.console() != null, System.out);
        if (!args.flag("webhook")) {
            return run(bootstrap, requestId, prompt, timeout, progress, args, saveDir, null);
        }
        String secret = args.get("webhook-secret", System.getenv("WEBHOOK_SECRET"));
        if (secret == null || secret.isBlank()) {
            System.err.println("try: --webhook needs the bridge's WEBHOOK_SECRET (./run-local try passes its own)");
            return CliSupport.EXIT_SETUP;
        }
        try (TryReceiver receiver = TryReceiver.start(secret)) {
            System.out.println("Webhook receiver listening on " + receiver.url()
                    + "; it verifies signatures with the local run's secret");
            return run(bootstrap, requestId, prompt, timeout, progress, args, saveDir, receiver);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("try: cannot start the webhook receiver: " + e.getMessage());
            return CliSupport.EXIT_SETUP;
        }
    }

    private static int run(
            String bootstrap,
            String requestId,
            String prompt,
            Duration timeout,
            JobProgress progress,
            CliSupport.Args args,
            Path saveDir,
            TryReceiver webhook) {
        try {
            return new TryPrompt()
                    .run(
                            bootstrap,
                            TopicSet.fromEnvironment(System.getenv()),
                            requestId,
                            prompt,
                            timeout,
                            progress,
                            !args.flag("no-download"),
                            saveDir,
                            webhook,
                            args.get("archive-endpoint", null));
        } catch (SetupException e) {
            System.err.println("try: " + e.getMessage());
            return CliSupport.EXIT_SETUP;
        }
    }

    static String newRequestId() {
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        StringBuilder hex = new StringBuilder();
        for (byte b : random) {
            hex.append(String.format("%02x", b));
        }
        return "try-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + hex;
    }

    /** @param archiveEndpoint the archive bucket's S3 endpoint, to read the archived copies back; null: not checked */
    int run(
            String bootstrap,
            TopicSet topics,
            String requestId,
            String prompt,
            Duration timeout,
            JobProgress progress,
            boolean download,
            Path saveDir,
            TryReceiver webhook,
            String archiveEndpoint) {
        ObjectNode event = JSON.createObjectNode();
        event.put("request_id", requestId);
        event.put("prompt", prompt);
        event.putObject("metadata").put("source", "run-local try");
        if (webhook != null) {
            event.put("callback_url", webhook.url());
        }

        long start = System.nanoTime();
        ConsumerRecord<String, String> outcome;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(bootstrap))) {
            List<TopicPartition> partitions = new ArrayList<>();
            partitions.addAll(partitionsOf(consumer, topics.songs(), bootstrap));
            partitions.addAll(partitionsOf(consumer, topics.failures(), bootstrap));
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(tp -> consumer.position(tp, Duration.ofSeconds(15))); // pin "end" before publishing

            RecordMetadata sent = publish(bootstrap, topics.prompts(), requestId, event);
            System.out.println("Published request " + requestId + " to " + sent.topic() + " (partition "
                    + sent.partition() + ", offset " + sent.offset() + "):");
            System.out.println("  " + event);
            System.out.println("Waiting up to " + CliSupport.seconds(timeout) + " for its outcome on " + topics.songs()
                    + " / " + topics.failures() + " ...");
            outcome = await(consumer, requestId, start, timeout, progress);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new SetupException("Kafka at " + bootstrap + ": " + e.getMessage(), e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (outcome == null) {
            System.out.println();
            System.out.println("TIMED OUT: no outcome for " + requestId + " after " + CliSupport.seconds(took)
                    + ". Is the bridge running and consuming " + topics.prompts() + "? (./run-local prints where "
                    + "its logs are.)");
            return 1;
        }

        JsonNode value;
        try {
            value = JSON.readTree(outcome.value());
        } catch (IOException e) {
            System.out.println("Outcome on " + outcome.topic() + " is not JSON: " + outcome.value());
            return 1;
        }
        boolean success = outcome.topic().equals(topics.songs());
        System.out.println();
        System.out.println((success ? "SongResult" : "SongFailure") + " for " + requestId + " after "
                + CliSupport.seconds(took) + " (" + outcome.topic() + ", partition " + outcome.partition()
                + ", offset " + outcome.offset() + ")");
        if (success) {
            printSong(value);
        } else {
            printFailure(value);
        }
        System.out.println(RAW_PREFIX + value);
        if (webhook != null && !receivedWebhook(webhook, requestId + (success ? ":completed" : ":failed"))) {
            return 1;
        }
        if (!success) {
            return 1;
        }
        if (!download) {
            return 0;
        }

        System.out.println();
        System.out.println("Downloading the files:");
        HttpClient http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        Integer durationSeconds = value.path("duration_seconds").isNumber()
                ? value.path("duration_seconds").asInt()
                : null;
        Check audio = fetch(http, text(value, "song_url"), body -> checkAudio(body, durationSeconds));
        System.out.println("  song_url  -> " + audio.summary());
        Check image = fetch(http, text(value, "image_url"), TryPrompt::checkImage);
        System.out.println("  image_url -> " + image.summary());
        if (saveDir != null) {
            save(saveDir, requestId, audio, image);
        }
        boolean archived = archiveEndpoint == null || checkArchive(http, value, archiveEndpoint, durationSeconds);
        boolean ok = audio.ok() && image.ok() && archived;
        System.out.println();
        System.out.println(
                ok
                        ? "OK: a SongResult with a playable, non-silent audio file and a valid cover image"
                                + (archiveEndpoint == null
                                        ? "."
                                        : ", both archived in the bucket and read back intact.")
                        : "FAILED: the SongResult's files did not check out (see above).");
        return ok ? 0 : 1;
    }

    /**
     * Waits for the outcome's delivery and prints it. The dispatcher reads the outcome topics in its own consumer
     * group, so the webhook follows the outcome by about a poll; a first attempt that failed would come back after
     * the schedule's first step (5 s by default).
     */
    private static boolean receivedWebhook(TryReceiver receiver, String webhookId) {
        Duration wait = Duration.ofSeconds(30);
        System.out.println();
        System.out.println("Waiting up to " + CliSupport.seconds(wait) + " for the webhook " + webhookId + " ...");
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                TryReceiver.Delivery delivery =
                        receiver.next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                if (delivery == null) {
                    break;
                }
                if (!delivery.id().equals(webhookId)) {
                    continue; // an earlier try's retry, or another outcome
                }
                System.out.println((delivery.verified()
                                ? "Webhook received, signature VERIFIED"
                                : "Webhook received, " + "signature REJECTED (" + delivery.problem() + ")")
                        + ":");
                line("webhook-id", delivery.id());
                line("timestamp", delivery.timestamp());
                System.out.println("  body        " + delivery.body());
                return delivery.verified();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("NO WEBHOOK for " + webhookId + " within " + CliSupport.seconds(wait) + ". Does the bridge "
                + "run with webhooks on? (its log says \"webhooks: dispatcher on\")");
        return false;
    }

    /**
     * Reads the archived song and cover back from the bucket and checks them like the originals, plus their length
     * and SHA-256 against the SongResult. Plain path-style GETs: enough for the local S3Mock, which checks no
     * signature; a real bucket would need signed requests (use the AWS CLI there).
     */
    private static boolean checkArchive(HttpClient http, JsonNode value, String endpoint, Integer durationSeconds) {
        System.out.println();
        System.out.println("Reading the archived copies back from the bucket at " + endpoint + ":");
        if (value.has("archive_error")) {
            System.out.println("  archive_error  " + text(value, "archive_error") + "  FAILED");
        }
        JsonNode archive = value.path("archive");
        if (!archive.isObject()) {
            System.out.println("  no archive in the SongResult (is ARCHIVE_S3_BUCKET set for the bridge?)  FAILED");
            return false;
        }
        String bucket = archive.path("bucket").asText();
        boolean song = readBack(
                http, endpoint, bucket, archive.path("song"), "song ", body -> checkAudio(body, durationSeconds));
        boolean cover = readBack(http, endpoint, bucket, archive.path("cover"), "cover", TryPrompt::checkImage);
        return song && cover && !value.has("archive_error");
    }

    private static boolean readBack(
            HttpClient http, String endpoint, String bucket, JsonNode object, String label, Checker checker) {
        if (!object.isObject()) {
            System.out.println("  " + label + "  not archived  FAILED");
            return false;
        }
        System.out.println("  " + label + "  " + object.path("uri").asText() + "  ("
                + String.format(Locale.ROOT, "%,d", object.path("bytes").asLong()) + " bytes, "
                + object.path("content_type").asText()
                + ", sha256 " + object.path("sha256").asText() + ")");
        Check read =
                fetch(http, endpoint + "/" + bucket + "/" + object.path("key").asText(), body -> {
                    String sha256 = sha256(body);
                    if (body.length != object.path("bytes").asLong()
                            || !sha256.equals(object.path("sha256").asText())) {
                        return new Check(
                                false, "not the bytes the SongResult names (sha256 " + sha256 + ")", body, null);
                    }
                    Check check = checker.check(body);
                    return new Check(
                            check.ok(), "length and SHA-256 match; " + check.summary(), body, check.extension());
                });
        System.out.println("         read back -> " + read.summary());
        return read.ok();
    }

    private static String sha256(byte[] body) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(body));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static Map<String, Object> consumerConfig(String bootstrap) {
        return Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "run-local-try",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15000,
                ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                1000);
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic, String bootstrap) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new SetupException(
                    "no answer from Kafka at " + bootstrap + " within 15 s. Is it running? "
                            + "(Start everything with ./run-local, or set KAFKA_BOOTSTRAP_SERVERS.)",
                    e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new SetupException(
                    "topic '" + topic + "' does not exist on " + bootstrap
                            + " (./run-local creates it; with your own cluster create it first)",
                    null);
        }
        return infos.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
    }

    private static RecordMetadata publish(String bootstrap, String topic, String key, JsonNode event) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG,
                "run-local-try",
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                30000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                20000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            return producer.send(new ProducerRecord<>(topic, key, event.toString()))
                    .get(40, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SetupException("interrupted while publishing", e);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new SetupException("could not publish to '" + topic + "' on " + bootstrap + ": " + cause, e);
        }
    }

    private static ConsumerRecord<String, String> await(
            KafkaConsumer<String, String> consumer,
            String requestId,
            long start,
            Duration timeout,
            JobProgress progress) {
        long deadline = start + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(1000))) {
                    if (requestId.equals(record.key())) {
                        return record;
                    }
                }
                progress.update(Duration.ofNanos(System.nanoTime() - start));
            }
            return null;
        } finally {
            progress.finish();
        }
    }

    private static void printSong(JsonNode v) {
        StringJoiner tags = new StringJoiner(", ");
        for (Iterator<JsonNode> it = v.path("tags").elements(); it.hasNext(); ) {
            tags.add(it.next().asText());
        }
        line("title", text(v, "title"));
        line("bpm", v.path("bpm").asText(""));
        line(
                "duration",
                v.path("duration_seconds").isNumber()
                        ? formatDuration(v.path("duration_seconds").asInt())
                        : v.path("duration_seconds").asText(""));
        line("tags", tags.toString());
        line("song_url", text(v, "song_url"));
        line("image_url", text(v, "image_url"));
        line("job_id", text(v, "job_id"));
        line("prompt", text(v, "prompt"));
        line("started_at", text(v, "started_at"));
        line("finished_at", text(v, "finished_at"));
        if (v.has("metadata")) {
            line("metadata", v.get("metadata").toString());
        }
    }

    private static void printFailure(JsonNode v) {
        line("reason", text(v, "reason"));
        line("error", text(v, "error"));
        line("attempts", v.path("attempts").asText(""));
        line("job_id", text(v, "job_id"));
        line("prompt", text(v, "prompt"));
        line("failed_at", text(v, "failed_at"));
    }

    private static void line(String name, String value) {
        System.out.printf(Locale.ROOT, "  %-11s %s%n", name, value);
    }

    private static String text(JsonNode v, String field) {
        JsonNode n = v.path(field);
        return n.isMissingNode() || n.isNull() ? "" : n.asText();
    }

    private static String formatDuration(int seconds) {
        return String.format(Locale.ROOT, "%d s (%d:%02d)", seconds, seconds / 60, seconds % 60);
    }

    // ---- downloads ---------------------------------------------------------------------------------------------

    /** What a downloaded file turned out to be. */
    record Check(boolean ok, String summary, byte[] body, String extension) {}

    interface Checker {
        Check check(byte[] body);
    }

    private static Check fetch(HttpClient http, String url, Checker checker) {
        if (url == null || url.isBlank()) {
            return new Check(false, "no URL in the outcome", null, null);
        }
        try {
            HttpResponse<byte[]> response = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(60))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            String type = response.headers().firstValue("Content-Type").orElse("no content type");
            byte[] body = response.body();
            String head = "HTTP " + response.statusCode() + ", " + type + ", "
                    + String.format(Locale.ROOT, "%,d", body.length) + " bytes";
            if (response.statusCode() != 200) {
                return new Check(false, head + "  FAILED", null, null);
            }
            Check check = checker.check(body);
            return new Check(
                    check.ok(),
                    head + ": " + check.summary() + (check.ok() ? "  OK" : "  FAILED"),
                    body,
                    check.extension());
        } catch (IllegalArgumentException e) {
            return new Check(false, "not a valid URL: " + url, null, null);
        } catch (IOException e) {
            return new Check(false, "download failed: " + e, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(false, "interrupted", null, null);
        }
    }

    /** A WAV is decoded with javax.sound and measured; other audio containers are only recognised. */
    static Check checkAudio(byte[] body, Integer expectedSeconds) {
        String container = audioContainer(body);
        if (container == null) {
            return new Check(false, "not a recognised audio file", body, null);
        }
        if (!container.equals("wav")) {
            return new Check(
                    true,
                    container.toUpperCase(Locale.ROOT) + " audio (recognised by its header; only WAV is decoded here)",
                    body,
                    container);
        }
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(body))) {
            AudioFormat format = in.getFormat();
            double seconds = in.getFrameLength() / (double) format.getFrameRate();
            String describe = String.format(
                    Locale.ROOT,
                    "WAV %s %d Hz %d-bit %s, %.2f s",
                    format.getEncoding(),
                    Math.round(format.getSampleRate()),
                    format.getSampleSizeInBits(),
                    format.getChannels() == 1 ? "mono" : format.getChannels() + " channels",
                    seconds);
            Level level = measure(in, format);
            if (level == null) {
                return new Check(true, describe + " (encoding not measured)", body, "wav");
            }
            boolean audible = level.peak() >= 0.01 && level.rms() >= 0.001;
            String note = "";
            if (expectedSeconds != null && Math.abs(seconds - expectedSeconds) > 1.0) {
                note = String.format(Locale.ROOT, " (note: the outcome says %d s)", expectedSeconds);
            }
            return new Check(
                    audible && seconds > 0,
                    describe
                            + String.format(
                                    Locale.ROOT,
                                    ", peak %.1f dBFS, RMS %.1f dBFS%s",
                                    dbfs(level.peak()),
                                    dbfs(level.rms()),
                                    audible ? "" : ", SILENT")
                            + note,
                    body,
                    "wav");
        } catch (Exception e) {
            return new Check(false, "a WAV header, but javax.sound cannot read it: " + e.getMessage(), body, "wav");
        }
    }

    record Level(double peak, double rms) {}

    /** Peak and RMS of a signed 16-bit PCM stream, as fractions of full scale; null for other encodings. */
    private static Level measure(AudioInputStream in, AudioFormat format) throws IOException {
        if (!AudioFormat.Encoding.PCM_SIGNED.equals(format.getEncoding()) || format.getSampleSizeInBits() != 16) {
            return null;
        }
        byte[] data = in.readAllBytes();
        boolean bigEndian = format.isBigEndian();
        long samples = data.length / 2;
        if (samples == 0) {
            return new Level(0, 0);
        }
        double peak = 0;
        double sumSquares = 0;
        for (int i = 0; i + 1 < data.length; i += 2) {
            int sample = bigEndian ? (data[i] << 8) | (data[i + 1] & 0xff) : (data[i + 1] << 8) | (data[i] & 0xff);
            double x = sample / 32768.0;
            peak = Math.max(peak, Math.abs(x));
            sumSquares += x * x;
        }
        return new Level(peak, Math.sqrt(sumSquares / samples));
    }

    private static double dbfs(double fraction) {
        return fraction <= 0 ? Double.NEGATIVE_INFINITY : 20 * Math.log10(fraction);
    }

    static String audioContainer(byte[] b) {
        if (startsWith(b, 0, "RIFF") && startsWith(b, 8, "WAVE")) {
            return "wav";
        }
        if (startsWith(b, 0, "ID3") || (b.length > 1 && (b[0] & 0xff) == 0xff && (b[1] & 0xe0) == 0xe0)) {
            return "mp3";
        }
        if (startsWith(b, 0, "OggS")) {
            return "ogg";
        }
        if (startsWith(b, 0, "fLaC")) {
            return "flac";
        }
        if (startsWith(b, 4, "ftyp")) {
            return "m4a";
        }
        return null;
    }

    static Check checkImage(byte[] body) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(body))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers != null && readers.hasNext()) {
                ImageReader reader = readers.next();
                try {
                    reader.setInput(in);
                    BufferedImage image = reader.read(0);
                    String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                    String extension = format.equals("jpeg") ? "jpg" : format;
                    return new Check(
                            image.getWidth() > 0 && image.getHeight() > 0,
                            format.toUpperCase(Locale.ROOT) + " " + image.getWidth() + "x" + image.getHeight(),
                            body,
                            extension);
                } finally {
                    reader.dispose();
                }
            }
        } catch (Exception e) {
            return new Check(false, "an image header, but ImageIO cannot read it: " + e.getMessage(), body, null);
        }
        if (startsWith(body, 0, "RIFF") && startsWith(body, 8, "WEBP")) {
            return new Check(true, "WEBP image (recognised by its header; not decoded here)", body, "webp");
        }
        return new Check(false, "not a recognised image", body, null);
    }

    private static boolean startsWith(byte[] b, int offset, String ascii) {
        byte[] want = ascii.getBytes(StandardCharsets.US_ASCII);
        if (b == null || b.length < offset + want.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (b[offset + i] != want[i]) {
                return false;
            }
        }
        return true;
    }

    private static void save(Path dir, String requestId, Check... checks) {
        try {
            Files.createDirectories(dir);
            StringJoiner saved = new StringJoiner(", ");
            for (Check check : checks) {
                if (check.body() != null && check.extension() != null) {
                    Path file = dir.resolve(requestId + "." + check.extension());
                    Files.write(file, check.body());
                    saved.add(file.toString());
                }
            }
            if (saved.length() > 0) {
                System.out.println("  saved to  " + saved);
            }
        } catch (IOException e) {
            System.out.println("  could not save the files under " + dir + ": " + e.getMessage());
        }
    }

    /** A problem with the setup rather than with the outcome: bad broker address, missing topic. */
    static final class SetupException extends RuntimeException {
        SetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
