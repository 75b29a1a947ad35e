package io.whisulbridge.bench;

import io.whisulbridge.cli.BrokerProcess;
import io.whisulbridge.emulator.WhisulEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Takeover of a ledger partition that holds a long history: {@code finished} requests (a SUBMITTED and a DONE entry
 * each) and {@code open} accepted jobs. The packaged bridge takes the partition twice: first with no checkpoint
 * committed (it reads the whole partition), then, after it committed a checkpoint and was killed with SIGKILL, a
 * second process takes over and reads from the checkpoint minus the dedupe window. Reported: entries read, time from
 * process start to "ledger partition 0 replayed", jobs resumed, heap used then and live heap after a full GC.
 */
final class LedgerTakeover {

    record Result(
            String run,
            long ledgerRecords,
            long entriesRead,
            int resumed,
            double readSeconds,
            double replaySeconds,
            double heapUsedMiB,
            double liveHeapMiB) {}

    private static final Pattern REPLAYED = Pattern.compile(
            "^(\\S+ \\S+) .*ledger partition 0 replayed: (\\d+) "
                    + "entries read in (\\d+) ms, (\\d+) unfinished job\\(s\\) resumed",
            Pattern.MULTILINE);
    private static final DateTimeFormatter LOG_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS").withZone(ZoneId.systemDefault());
    // a checkpoint is committed 30 s after start and every 30 s (PartitionOwnership); wait for one plus a margin
    private static final Duration CHECKPOINT_WAIT = Duration.ofSeconds(40);

    private final BrokerProcess broker;
    private final WhisulEmulator whisul;
    private final Path workDir;

    LedgerTakeover(BrokerProcess broker, WhisulEmulator whisul, Path workDir) {
        this.broker = broker;
        this.whisul = whisul;
        this.workDir = workDir;
    }

    List<Result> run(int finished, int open) throws Exception {
        String prefix = "takeover-" + System.currentTimeMillis();
        broker.createTopics(Map.of(
                prefix + "-prompts",
                1,
                prefix + "-jobs",
                1,
                prefix + "-songs",
                1,
                prefix + "-failures",
                1,
                prefix + "-dlq",
                1));
        long records = fill(prefix + "-jobs", finished, open);
        Map<String, String> env = Map.ofEntries(
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                Map.entry("WHISUL_BASE_URL", whisul.baseUrl()),
                Map.entry("WHISUL_API_KEY", whisul.apiKey()),
                // the open jobs must stay open across both takeovers: their first poll is far away
                Map.entry("WHISUL_POLL_INTERVAL", "10m"),
                Map.entry("WHISUL_POLL_MAX_INTERVAL", "10m"),
                Map.entry("WHISUL_JOB_MAX_WAIT", "2h"),
                Map.entry("BRIDGE_UNPROCESSED_RECORD_MAX_AGE_MS", "9000000"),
                Map.entry("BRIDGE_TOPICS_PROMPTS", prefix + "-prompts"),
                Map.entry("BRIDGE_TOPICS_LEDGER", prefix + "-jobs"),
                Map.entry("BRIDGE_TOPICS_SONGS", prefix + "-songs"),
                Map.entry("BRIDGE_TOPICS_FAILURES", prefix + "-failures"),
                Map.entry("BRIDGE_TOPICS_DEAD_LETTER", prefix + "-dlq"),
                Map.entry("BRIDGE_CONSUMER_GROUP", prefix));
        List<Result> results = new ArrayList<>();
        try (BenchProcess first = BenchProcess.bridge(prefix + "-first", workDir, "512m", env)) {
            results.add(measure("no checkpoint (reads the whole partition)", first, records));
            Thread.sleep(CHECKPOINT_WAIT.toMillis());
            first.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        try (BenchProcess second = BenchProcess.bridge(prefix + "-second", workDir, "512m", env)) {
            results.add(measure("after a checkpoint, kill -9, new process", second, records));
        }
        return results;
    }

    /** Produces the history: per finished request a SUBMITTED then a DONE entry, then the open jobs' entries. */
    private long fill(String ledger, int finished, int open) {
        long records = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG,
                50,
                ProducerConfig.BATCH_SIZE_CONFIG,
                512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4"))) {
            String now = Instant.now().toString();
            for (int i = 0; i < finished; i++) {
                String id = "done-" + i;
                producer.send(new ProducerRecord<>(ledger, 0, id, submitted(id, now)));
                producer.send(new ProducerRecord<>(
                        ledger,
                        0,
                        id,
                        "{\"request_id\":\"" + id + "\",\"state\":\"DONE\",\"job_id\":\"job-" + id
                                + "\",\"outcome\":\"COMPLETED\",\"updated_at\":\"" + now + "\"}"));
                records += 2;
            }
            for (int i = 0; i < open; i++) {
                producer.send(new ProducerRecord<>(ledger, 0, "open-" + i, submitted("open-" + i, now)));
                records++;
            }
            producer.flush();
        }
        return records;
    }

    private static String submitted(String id, String now) {
        return "{\"request_id\":\"" + id + "\",\"state\":\"SUBMITTED\",\"job_id\":\"job-" + id
                + "\",\"prompt\":\"a song for " + id + "\",\"metadata\":{\"team\":\"bench\",\"n\":7},\"accepted_at\":\""
                + now + "\",\"updated_at\":\"" + now + "\"}";
    }

    private Result measure(String run, BenchProcess bridge, long records) throws Exception {
        Instant started = Instant.ofEpochMilli(
                bridge.process.info().startInstant().map(Instant::toEpochMilli).orElse(System.currentTimeMillis()));
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(5));
        Matcher replayed = null;
        while (Instant.now().isBefore(giveUp)) {
            Matcher m = REPLAYED.matcher(Files.readString(bridge.log));
            if (m.find()) {
                replayed = m;
                break;
            }
            Thread.sleep(100);
        }
        if (replayed == null) {
            throw new IllegalStateException(bridge.name + " did not replay its ledger partition:\n" + bridge.tail());
        }
        Instant at = LOG_TIME.parse(replayed.group(1), Instant::from);
        double seconds = Duration.between(started, at).toMillis() / 1000.0;
        double heap = BenchProcess.sum(bridge.metrics(), "jvm_memory_used_bytes{area=\"heap\"") / (1 << 20);
        new ProcessBuilder(jcmd(), String.valueOf(bridge.process.pid()), "GC.run")
                .redirectErrorStream(true)
                .start()
                .waitFor(30, TimeUnit.SECONDS);
        double live = BenchProcess.sum(bridge.metrics(), "jvm_memory_used_bytes{area=\"heap\"") / (1 << 20);
        Result result = new Result(
                run,
                records,
                Long.parseLong(replayed.group(2)),
                Integer.parseInt(replayed.group(4)),
                Long.parseLong(replayed.group(3)) / 1000.0,
                seconds,
                heap,
                live);
        System.out.printf(
                Locale.ROOT,
                "[bench] ledger takeover, %s: %d of %d records read in %.1f s, %d jobs resumed, "
                        + "%.1f s from process start, heap %.0f MiB, %.0f MiB after a full GC%n",
                run,
                result.entriesRead(),
                records,
                result.readSeconds(),
                result.resumed(),
                seconds,
                heap,
                live);
        return result;
    }

    private static String jcmd() {
        return Path.of(BrokerProcess.javaBinary()).resolveSibling("jcmd").toString();
    }

    static String markdown(List<Result> results) {
        StringBuilder sb = new StringBuilder(
                "| takeover | ledger records | entries read | read s | jobs resumed | "
                        + "process start to resumed s | heap used MiB | live heap after GC MiB |\n|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.1f | %d | %.1f | %.0f | %.0f |%n",
                    r.run(),
                    r.ledgerRecords(),
                    r.entriesRead(),
                    r.readSeconds(),
                    r.resumed(),
                    r.replaySeconds(),
                    r.heapUsedMiB(),
                    r.liveHeapMiB()));
        }
        return sb.toString();
    }
}
