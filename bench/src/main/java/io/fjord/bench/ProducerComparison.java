package io.fjord.bench;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.NewTopic;
import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.serialization.ByteArraySerializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Records/s and send-to-acknowledgement latency (p50, p99) for 100-byte records, Fjord's producer against
 * kafka-clients' producer, both writing to the same Fjord broker in the same run, at acks=1 and acks=all.
 * Each run sends {@code --records} records as fast as {@code send} accepts them (so latency includes time
 * queued in the producer), after a warm-up run. Idempotence is off for both (Fjord does not serve InitProducerId
 * yet).
 *
 * <pre>java -cp bench/target/fjord-bench.jar io.fjord.bench.ProducerComparison [--bootstrap host:port] [--records N]</pre>
 * Without {@code --bootstrap} an embedded Fjord node is started on a temporary directory.
 */
public final class ProducerComparison {
    interface Client extends AutoCloseable {
        void send(byte[] value, Runnable onAck);

        void flush();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        int records = 300_000;
        int partitions = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--records" -> records = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        FjordBroker broker = null;
        Path dir = null;
        if (bootstrap == null) {
            dir = Files.createTempDirectory("fjord-bench");
            Map<String, String> s = new HashMap<>();
            s.put("listeners", "PLAINTEXT://127.0.0.1:0");
            s.put("log.dirs", dir.toString());
            broker = new FjordBroker(BrokerConfig.of(s)).start();
            bootstrap = "127.0.0.1:" + broker.port();
        }
        try {
            System.out.printf("%-14s %-5s %12s %10s %10s%n", "client", "acks", "records/s", "p50 ms", "p99 ms");
            int run = 0;
            for (String acks : List.of("1", "all")) {
                for (String client : List.of("fjord", "kafka-clients", "fjord", "kafka-clients")) {
                    String topic = "bench-" + (run++);
                    try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
                        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)));
                    }
                    measure(client, acks, bootstrap, topic, records / 5, false); // warm-up
                    measure(client, acks, bootstrap, topic, records, true);
                }
            }
        } finally {
            if (broker != null) broker.close();
            if (dir != null) deleteRecursively(dir);
        }
    }

    static void measure(String which, String acks, String bootstrap, String topic, int n, boolean print) throws Exception {
        byte[] value = new byte[100];
        new Random(1).nextBytes(value);
        long[] latency = new long[n];
        CountDownLatch done = new CountDownLatch(n);
        try (Client c = which.equals("fjord") ? fjord(bootstrap, topic, acks) : kafka(bootstrap, topic, acks)) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                final int idx = i;
                final long sent = System.nanoTime();
                c.send(value, () -> {
                    latency[idx] = System.nanoTime() - sent;
                    done.countDown();
                });
            }
            c.flush();
            if (!done.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("not all acknowledged");
            long elapsed = System.nanoTime() - start;
            if (!print) return;
            Arrays.sort(latency);
            System.out.printf("%-14s %-5s %12.0f %10.2f %10.2f%n", which, acks, n / (elapsed / 1e9),
                    latency[n / 2] / 1e6, latency[(int) (n * 0.99)] / 1e6);
        }
    }

    static Client fjord(String bootstrap, String topic, String acks) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("acks", acks);
        c.put("enable.idempotence", "false");
        FjordProducer<byte[], byte[]> p = new FjordProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
        return new Client() {
            @Override
            public void send(byte[] value, Runnable onAck) {
                p.send(new ProducerRecord<>(topic, value), (md, e) -> ack(e, onAck));
            }

            @Override
            public void flush() {
                p.flush();
            }

            @Override
            public void close() {
                p.close();
            }
        };
    }

    static Client kafka(String bootstrap, String topic, String acks) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("acks", acks);
        c.put("enable.idempotence", "false");
        c.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        c.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        var p = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(c);
        return new Client() {
            @Override
            public void send(byte[] value, Runnable onAck) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, value), (md, e) -> ack(e, onAck));
            }

            @Override
            public void flush() {
                p.flush();
            }

            @Override
            public void close() {
                p.close();
            }
        };
    }

    private static void ack(Exception e, Runnable onAck) {
        if (e != null) throw new IllegalStateException("send failed", e);
        onAck.run();
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

}
