package io.fjord.cli;

import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.ConsumerRecord;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.serialization.ByteArrayDeserializer;
import io.fjord.client.serialization.ByteArraySerializer;
import java.io.PrintWriter;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fjord perf produce|consume}: load generators with a live progress line every reporting interval and a final
 * summary in the formats of Kafka's kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh, so figures from both
 * can be put side by side.
 */
@Command(name = "perf", mixinStandardHelpOptions = true, description = "Measure produce and consume throughput and latency.",
        subcommands = {PerfCommand.Produce.class, PerfCommand.Consume.class})
public final class PerfCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: produce or consume");
    }

    /**
     * Sends {@code --num-records} random payloads of {@code --record-size} bytes, at most {@code --throughput}
     * records/s (-1: unthrottled); a record's latency is from send() to its acknowledgement.
     */
    @Command(name = "produce", mixinStandardHelpOptions = true, description = "Produce records and report records/s, MB/s and latency percentiles.")
    static final class Produce implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "topic") String topic;
        @Option(names = "--num-records", required = true, description = "How many records to send.") long numRecords;
        @Option(names = "--record-size", defaultValue = "100", description = "Value size in bytes (default: ${DEFAULT-VALUE}).") int recordSize;
        @Option(names = "--throughput", defaultValue = "-1", description = "Records/s at most; -1 for no limit.") double throughput;
        @Option(names = "--acks", defaultValue = "1", description = "0, 1 or all (default: ${DEFAULT-VALUE}).") String acks;
        @Option(names = "--reporting-interval-ms", defaultValue = "5000", description = "Progress line interval (default: ${DEFAULT-VALUE}).")
        long reportingIntervalMs;
        @Option(names = "--producer-property", paramLabel = "key=value", description = "A producer property, repeatable.")
        List<String> producerProperties = List.of();

        @Override
        public Integer call() {
            if (numRecords < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--num-records must be at least 1");
            if (recordSize < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--record-size must not be negative");
            if (reportingIntervalMs < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--reporting-interval-ms must be positive");
            if (throughput == 0 || (throughput < 0 && throughput != -1)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--throughput must be positive or -1");
            }
            if (!List.of("0", "1", "all", "-1").contains(acks)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--acks must be 0, 1 or all, got '" + acks + "'");
            }
            Map<String, Object> cfg = client.config();
            cfg.put("acks", acks);
            cfg.putAll(ClientOptions.parsePairs(producerProperties, "--producer-property"));
            PrintWriter out = spec.commandLine().getOut();
            byte[] payload = new byte[recordSize];
            new Random(42).nextBytes(payload);
            long start = System.currentTimeMillis();
            PerfStats stats = new PerfStats(numRecords, start, reportingIntervalMs);
            AtomicReference<Exception> firstError = new AtomicReference<>();
            AtomicLong failed = new AtomicLong();
            try (FjordProducer<byte[], byte[]> producer = new FjordProducer<>(cfg, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (long i = 0; i < numRecords; i++) {
                    long sendMs = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>(topic, null, null, null, payload, List.of()), (md, e) -> {
                        long now = System.currentTimeMillis();
                        if (e != null) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, e);
                            return;
                        }
                        String line;
                        synchronized (stats) {
                            line = stats.record((int) (now - sendMs), recordSize, now);
                        }
                        if (line != null) print(out, line);
                    });
                    throttle(start, i + 1);
                }
                producer.flush();
                producer.close(Duration.ofMillis(client.timeoutMs));
            }
            synchronized (stats) {
                print(out, stats.summary(System.currentTimeMillis()));
            }
            if (firstError.get() != null) {
                spec.commandLine().getErr().println("fjord perf produce: " + failed.get() + " of " + numRecords + " records failed: "
                        + firstError.get().getMessage());
                return 1;
            }
            return 0;
        }

        /** Waits until {@code sent} records fit the target rate; the wait is bounded by one record's share of a second. */
        private void throttle(long startMs, long sent) {
            if (throughput < 0) return;
            long due = startMs + (long) (sent * 1000 / throughput);
            long wait = due - System.currentTimeMillis();
            if (wait <= 0) return;
            try {
                Thread.sleep(wait); // pacing the load generator to the requested rate, not waiting for a condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void print(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /**
     * Reads {@code --messages} records from the start of every partition of the topic (assigned, no group, so nothing
     * is committed) and prints kafka-consumer-perf-test.sh's CSV summary; the progress line adds the end-to-end
     * latency (now - record timestamp), meaningful when a producer is writing at the same time.
     */
    @Command(name = "consume", mixinStandardHelpOptions = true, description = "Consume records and report records/s, MB/s and latency.")
    static final class Consume implements Callable<Integer> {
        private static final double MB = 1024.0 * 1024.0;

        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "topic") String topic;
        @Option(names = "--messages", required = true, description = "How many records to read.") long messages;
        @Option(names = "--reporting-interval-ms", defaultValue = "5000", description = "Progress line interval (default: ${DEFAULT-VALUE}).")
        long reportingIntervalMs;
        @Option(names = "--idle-timeout-ms", defaultValue = "10000", description = "Stop when nothing arrives for this long (default: ${DEFAULT-VALUE}).")
        long idleTimeoutMs;
        @Option(names = "--consumer-property", paramLabel = "key=value", description = "A consumer property, repeatable.")
        List<String> consumerProperties = List.of();

        @Override
        public Integer call() {
            if (messages < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--messages must be at least 1");
            if (reportingIntervalMs < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--reporting-interval-ms must be positive");
            Map<String, Object> cfg = client.config();
            cfg.put("client.id", "fjord-perf-" + UUID.randomUUID());
            cfg.putAll(ClientOptions.parsePairs(consumerProperties, "--consumer-property"));
            PrintWriter out = spec.commandLine().getOut();
            Set<TopicPartition> parts = new HashSet<>();
            long start = System.currentTimeMillis();
            PerfStats stats = new PerfStats(messages, start, reportingIntervalMs);
            long fetchStart;
            try (FjordConsumer<byte[], byte[]> consumer = new FjordConsumer<>(cfg, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                fetchStart = System.currentTimeMillis();
                long lastRecord = fetchStart;
                while (stats.count() < messages) {
                    boolean any = false;
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        long now = System.currentTimeMillis();
                        long size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                        String line = stats.record((int) Math.max(0, now - r.timestamp()), size, now);
                        if (line != null) print(out, line.replace("records sent", "records consumed"));
                        any = true;
                        if (stats.count() >= messages) break;
                    }
                    long now = System.currentTimeMillis();
                    if (any) lastRecord = now;
                    else if (now - lastRecord >= idleTimeoutMs) break;
                }
            }
            long end = System.currentTimeMillis();
            double mb = stats.bytes() / MB;
            double secs = Math.max(1, end - start) / 1000.0;
            double fetchSecs = Math.max(1, end - fetchStart) / 1000.0;
            SimpleDateFormat f = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS", Locale.ROOT);
            print(out, "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");
            print(out, String.format(Locale.ROOT, "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f", f.format(new Date(start)), f.format(new Date(end)),
                    mb, mb / secs, stats.count(), stats.count() / secs, fetchStart - start, end - fetchStart, mb / fetchSecs, stats.count() / fetchSecs));
            if (stats.count() < messages) {
                spec.commandLine().getErr().println("fjord perf consume: only " + stats.count() + " of " + messages
                        + " records arrived before " + idleTimeoutMs + " ms without records");
                return 1;
            }
            return 0;
        }
    }
}
