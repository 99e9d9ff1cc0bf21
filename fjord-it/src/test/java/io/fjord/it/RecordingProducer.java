package io.fjord.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/**
 * An in-process kafka-clients producer (idempotent, acks=all: Kafka's defaults) writing values "0", "1", ... with
 * keys cycling over {@code keys} values, paced to a rate by its own thread; every callback is recorded: each ack
 * (partition, offset, value, time) and each exception. A send that throws is recorded as a failure too.
 * Thread-safe reads; one owner calls {@link #stop(Duration)}; always {@link #close()}.
 */
final class RecordingProducer implements AutoCloseable {
    record Ack(int partition, long offset, String value, long ackMs) {
    }

    record Failure(String value, Exception exception, long ms) {
    }

    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final int ratePerSecond;
    private final int keys;
    private final Thread sender;
    private final List<Ack> acks = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private volatile boolean stopping;
    private volatile long sent;

    /**
     * @param extra producer settings on top of this class's (request.timeout.ms 5 s so a frozen leader's requests
     *              are given up and retried elsewhere soon; linger 5 ms)
     */
    RecordingProducer(String bootstrap, String topic, int ratePerSecond, int keys, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        c.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        c.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        c.putAll(extra);
        this.producer = new KafkaProducer<>(c);
        this.topic = topic;
        this.ratePerSecond = ratePerSecond;
        this.keys = keys;
        this.sender = new Thread(this::run, "recording-producer-" + topic);
        this.sender.setDaemon(true);
    }

    RecordingProducer start() {
        sender.start();
        return this;
    }

    private void run() {
        long start = System.nanoTime();
        long gapNanos = 1_000_000_000L / ratePerSecond;
        for (long i = 0; !stopping; i++) {
            // Pacing, not waiting for a condition: record i is due at start + i * gap.
            long due = start + i * gapNanos;
            long now = System.nanoTime();
            if (due > now) LockSupport.parkNanos(due - now);
            String value = Long.toString(i);
            try {
                producer.send(new ProducerRecord<>(topic, "k" + (i % keys), value), (md, e) -> {
                    long t = System.currentTimeMillis();
                    synchronized (this) {
                        if (e == null) acks.add(new Ack(md.partition(), md.offset(), value, t));
                        else failures.add(new Failure(value, e, t));
                    }
                });
            } catch (RuntimeException e) {
                synchronized (this) {
                    failures.add(new Failure(value, e, System.currentTimeMillis()));
                }
            }
            sent = i + 1;
        }
    }

    synchronized int ackCount() {
        return acks.size();
    }

    synchronized List<Ack> acks() {
        return List.copyOf(acks);
    }

    synchronized List<Failure> failures() {
        return List.copyOf(failures);
    }

    long sent() {
        return sent;
    }

    /** The first ack of {@code partition} received at or after {@code sinceMs}, or null. */
    synchronized Ack firstAckAfter(int partition, long sinceMs) {
        for (Ack a : acks) if (a.partition() == partition && a.ackMs() >= sinceMs) return a;
        return null;
    }

    void awaitAcks(int from, int n, Duration atMost) {
        Awaitility.await(n + " more acks").atMost(atMost).pollInterval(Duration.ofMillis(50))
                .until(() -> ackCount() >= from + n);
    }

    /**
     * Stops sending, then closes the producer, which sends what is queued and waits (up to {@code atMost}) for the
     * answers; afterwards every record sent has been acked or has failed.
     */
    void stop(Duration atMost) throws InterruptedException {
        stopping = true;
        sender.join(TimeUnit.SECONDS.toMillis(40)); // a send blocks at most max.block.ms (30 s)
        if (sender.isAlive()) throw new AssertionError("the producer's send loop did not stop");
        producer.close(atMost);
        synchronized (this) {
            if (acks.size() + failures.size() != sent) {
                throw new AssertionError(sent + " sent but " + acks.size() + " acked and " + failures.size()
                        + " failed after closing the producer");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        sender.join(TimeUnit.SECONDS.toMillis(40));
        producer.close(Duration.ZERO);
    }
}
