package io.fjord.bench;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.NewTopic;
import io.fjord.client.consumer.FjordConsumer;
import io.fjord.client.serialization.ByteArrayDeserializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Consumer throughput, Fjord's consumer against kafka-clients' consumer, reading the same topic of one Fjord broker
 * in the same run. For each record size of {@code --sizes} a topic of {@code --partitions} partitions is filled
 * once (by kafka-clients' producer, acks=1) with {@code --records * 100 / size} records; then {@code --rounds}
 * rounds each let both consumers read it all from the beginning (manual assignment, no group), the order swapped
 * every round so a change of load on the machine hits both. One warm-up read per client first. Prints each run's
 * records/s and MB/s, then the medians and Fjord's median over kafka-clients'.
 *
 * <pre>java -cp bench/target/fjord-bench.jar io.fjord.bench.ConsumerComparison [--bootstrap host:port]
 *     [--records N] [--partitions N] [--rounds N] [--sizes 100,1024]</pre>
 * Without {@code --bootstrap} an embedded Fjord node is started on a temporary directory.
 */
public final class ConsumerComparison {
    private ConsumerComparison() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        int records = 1_000_000;
        int partitions = 3;
        int rounds = 5;
        List<Integer> sizes = List.of(100, 1024);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--records" -> records = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        FjordBroker broker = null;
        Path dir = null;
        if (bootstrap == null) {
            dir = Files.createTempDirectory("fjord-bench");
            Map<String, String> s = new HashMap<>();
            s.put("listeners", "PLAINTEXT://127.0.0.1:0");
            s.put("fjord.console.listener", "none"); // no fixed port in a test
            s.put("log.dirs", dir.toString());
            broker = new FjordBroker(BrokerConfig.of(s)).start();
            bootstrap = "127.0.0.1:" + broker.port();
        }
        try {
            System.out.printf("%-14s %-8s %12s %10s%n", "client", "size", "records/s", "MB/s");
            Map<String, List<Double>> results = new LinkedHashMap<>();
            for (int size : sizes) {
                int n = Math.max(records / 10, (int) ((long) records * 100 / size));
                String topic = "consume-" + size + "-" + System.currentTimeMillis();
                fill(bootstrap, topic, partitions, n, size);
                read("fjord", bootstrap, topic, partitions, n); // warm-ups
                read("kafka-clients", bootstrap, topic, partitions, n);
                for (int r = 0; r < rounds; r++) {
                    List<String> order = r % 2 == 0 ? List.of("fjord", "kafka-clients") : List.of("kafka-clients", "fjord");
                    for (String client : order) {
                        double rate = read(client, bootstrap, topic, partitions, n);
                        System.out.printf("%-14s %-8s %12.0f %10.1f%n", client, size + "B", rate, rate * size / 1e6);
                        results.computeIfAbsent(size + "B|" + client, k -> new ArrayList<>()).add(rate);
                    }
                }
            }
            ProducerComparison.printMedians(results);
        } finally {
            if (broker != null) broker.close();
            if (dir != null) {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void fill(String bootstrap, String topic, int partitions, int n, int size) throws Exception {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)));
        }
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("acks", "1");
        c.put("linger.ms", "5");
        c.put("batch.size", "65536");
        c.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        c.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        try (var p = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(c)) {
            for (int i = 0; i < n; i++) p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, value));
            p.flush();
        }
    }

    /** Reads all {@code n} records from the beginning; returns records/s from the first poll to the last record. */
    static double read(String which, String bootstrap, String topic, int partitions, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        long got = 0;
        long start;
        long end;
        if (which.equals("fjord")) {
            List<io.fjord.client.common.TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new io.fjord.client.common.TopicPartition(topic, p));
            try (FjordConsumer<byte[], byte[]> c = new FjordConsumer<>(Map.of("bootstrap.servers", bootstrap,
                    "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.assign(tps);
                c.seekToBeginning(tps);
                start = System.nanoTime();
                while (got < n && System.nanoTime() < deadline) got += c.poll(Duration.ofMillis(500)).count();
                end = System.nanoTime();
            }
        } else {
            List<org.apache.kafka.common.TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new org.apache.kafka.common.TopicPartition(topic, p));
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", bootstrap);
            c.put("auto.offset.reset", "earliest");
            c.put("enable.auto.commit", "false");
            c.put("key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
            c.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
            try (var k = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(c)) {
                k.assign(tps);
                k.seekToBeginning(tps);
                start = System.nanoTime();
                while (got < n && System.nanoTime() < deadline) got += k.poll(Duration.ofMillis(500)).count();
                end = System.nanoTime();
            }
        }
        if (got < n) throw new IllegalStateException(which + " read only " + got + " of " + n + " records");
        return n / ((end - start) / 1e9);
    }
}
