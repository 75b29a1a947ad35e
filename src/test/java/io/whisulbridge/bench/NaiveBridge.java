package io.whisulbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The baseline: a bridge as many teams first write it. A Kafka consumer loop hands each record to a pool of 200
 * worker threads; a worker submits with a blocking {@code java.net.http} call, then {@code Thread.sleep}s between
 * polls, publishes the outcome and only then lets the record's offset be committed (ack after outcome: offsets are
 * committed up to the oldest record still being worked on). Naive retries: a 429/5xx/IO error sleeps one poll
 * interval and tries again, up to 8 times.
 *
 * <p>Arguments: bootstrap promptsTopic songsTopic failuresTopic group whisulBaseUrl apiKey pollIntervalMs workers statsFile
 */
public final class NaiveBridge {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0],
                promptsTopic = args[1],
                songsTopic = args[2],
                failuresTopic = args[3],
                group = args[4];
        String baseUrl = args[5], apiKey = args[6];
        long pollMs = Long.parseLong(args[7]);
        int workers = Integer.parseInt(args[8]);
        Path statsFile = Path.of(args[9]);

        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        Semaphore slots = new Semaphore(workers);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        Map<TopicPartition, ConcurrentSkipListSet<Long>> working = new ConcurrentHashMap<>();
        Map<TopicPartition, Long> dispatched = new HashMap<>();

        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG,
                "all"));
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                group,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                workers,
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                600_000));
        consumer.subscribe(List.of(promptsTopic));

        Thread statsWriter = new Thread(
                () -> {
                    while (true) {
                        try {
                            long heap = ManagementFactory.getMemoryMXBean()
                                    .getHeapMemoryUsage()
                                    .getUsed();
                            Files.writeString(statsFile, heap + " " + inFlight.get() + " " + done.get() + "\n");
                            Thread.sleep(1000);
                        } catch (Exception e) {
                            return;
                        }
                    }
                },
                "stats");
        statsWriter.setDaemon(true);
        statsWriter.start();

        while (true) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                working.computeIfAbsent(tp, k -> new ConcurrentSkipListSet<>()).add(record.offset());
                dispatched.put(tp, record.offset());
                while (!slots.tryAcquire(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    commit(consumer, working, dispatched);
                }
                inFlight.incrementAndGet();
                pool.execute(() -> {
                    try {
                        handle(record, http, producer, baseUrl, apiKey, pollMs, songsTopic, failuresTopic);
                    } catch (Exception e) {
                        e.printStackTrace();
                    } finally {
                        working.get(tp).remove(record.offset());
                        inFlight.decrementAndGet();
                        done.incrementAndGet();
                        slots.release();
                    }
                });
            }
            commit(consumer, working, dispatched);
        }
    }

    private static void commit(
            KafkaConsumer<String, String> consumer,
            Map<TopicPartition, ConcurrentSkipListSet<Long>> working,
            Map<TopicPartition, Long> dispatched) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        dispatched.forEach((tp, last) -> {
            ConcurrentSkipListSet<Long> open = working.get(tp);
            Long oldest = open == null || open.isEmpty() ? null : open.first();
            offsets.put(tp, new OffsetAndMetadata(oldest == null ? last + 1 : oldest));
        });
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
        }
    }

    private static void handle(
            ConsumerRecord<String, String> record,
            HttpClient http,
            KafkaProducer<String, String> producer,
            String baseUrl,
            String apiKey,
            long pollMs,
            String songsTopic,
            String failuresTopic)
            throws Exception {
        JsonNode in = JSON.readTree(record.value());
        String requestId = in.path("request_id").asText(record.key());
        String prompt = in.path("prompt").asText();
        ObjectNode body = JSON.createObjectNode().put("prompt", prompt);
        HttpResponse<String> submitted = call(
                http,
                HttpRequest.newBuilder(URI.create(baseUrl + "/generate"))
                        .header("Authorization", "Bearer " + apiKey)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                pollMs);
        if (submitted == null || submitted.statusCode() != 202) {
            fail(producer, failuresTopic, requestId, null, "submit failed");
            return;
        }
        String jobId = JSON.readTree(submitted.body()).path("job_id").asText();
        while (true) {
            Thread.sleep(pollMs);
            HttpResponse<String> polled = call(
                    http,
                    HttpRequest.newBuilder(URI.create(baseUrl + "/jobs/" + jobId))
                            .header("Authorization", "Bearer " + apiKey)
                            .GET()
                            .build(),
                    pollMs);
            if (polled == null || polled.statusCode() != 200) {
                fail(producer, failuresTopic, requestId, jobId, "poll failed");
                return;
            }
            JsonNode job = JSON.readTree(polled.body());
            String status = job.path("status").asText();
            if ("completed".equals(status)) {
                JsonNode r = job.path("result");
                ObjectNode out = JSON.createObjectNode()
                        .put("request_id", requestId)
                        .put("job_id", jobId)
                        .put("prompt", prompt)
                        .put("title", r.path("title").asText())
                        .put("song_url", r.path("song_url").asText())
                        .put("image_url", r.path("image_url").asText())
                        .put("started_at", job.path("started_at").asText())
                        .put("finished_at", job.path("finished_at").asText());
                producer.send(new ProducerRecord<>(songsTopic, requestId, out.toString()))
                        .get();
                return;
            }
            if ("failed".equals(status)) {
                fail(
                        producer,
                        failuresTopic,
                        requestId,
                        jobId,
                        job.path("error").asText());
                return;
            }
        }
    }

    private static HttpResponse<String> call(HttpClient http, HttpRequest request, long pollMs)
            throws InterruptedException {
        for (int attempt = 0; attempt < 8; attempt++) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 429 && response.statusCode() < 500) {
                    return response;
                }
            } catch (java.io.IOException e) {
                // try again
            }
            Thread.sleep(pollMs);
        }
        return null;
    }

    private static void fail(
            KafkaProducer<String, String> producer, String topic, String requestId, String jobId, String error)
            throws Exception {
        ObjectNode out = JSON.createObjectNode()
                .put("request_id", requestId)
                .put("job_id", jobId)
                .put("error", error);
        producer.send(new ProducerRecord<>(topic, requestId, out.toString())).get();
    }
}
