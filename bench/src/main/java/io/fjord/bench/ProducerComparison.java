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
 * Records/s and send-to-acknowledgement latency (p50, p99), Fjord's producer against kafka-clients' producer, both
 * writing to the same Fjord broker in the same run, at acks=1 and acks=all, for each record size of
 * {@code --sizes} (default 100; e.g. {@code 100,1024}), alternating the two clients {@code --rounds} times and
 * printing the medians (see {@link #compareClients}). Each run sends its records as fast as {@code send} accepts
 * them (so latency includes time queued in the producer), after a warm-up run. Idempotence is off for both.
 *
 * <p>With {@code --idempotence}, it instead compares idempotence on and off at acks=all (linger.ms=5,
 * batch.size=65536), alternating on/off {@code --rounds} times (default 3) for each client given by
 * {@code --clients} (default {@code fjord,kafka-clients}), and prints each run and the medians.
 *
 * <pre>java -cp bench/target/fjord-bench.jar io.fjord.bench.ProducerComparison [--bootstrap host:port] [--records N]
 *     [--partitions N] [--rounds N] [--sizes 100,1024] [--idempotence [--clients fjord,kafka-clients]]</pre>
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
        boolean idempotence = false;
        int rounds = 3;
        List<Integer> sizes = List.of(100);
        List<String> clients = List.of("fjord", "kafka-clients");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--records" -> records = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--idempotence" -> idempotence = true;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--clients" -> clients = List.of(args[++i].split(","));
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
            s.put("fjord.console.listener", "none");
            s.put("log.dirs", dir.toString());
            broker = new FjordBroker(BrokerConfig.of(s)).start();
            bootstrap = "127.0.0.1:" + broker.port();
        }
        try {
            if (idempotence) {
                compareIdempotence(bootstrap, clients, records, partitions, rounds);
                return;
            }
            compareClients(bootstrap, records, partitions, rounds, sizes);
        } finally {
            if (broker != null) broker.close();
            if (dir != null) deleteRecursively(dir);
        }
    }

    /**
     * Fjord's producer against kafka-clients', for each record size and acks setting: {@code rounds} rounds, each
     * running the two clients one after the other (the order swapped every round, so a load change on the machine
     * hits both), each on its own fresh topic after a warm-up of its own. Records of {@code size} bytes:
     * {@code records * 100 / size} per run (at least a tenth of {@code records}), so every run writes about the
     * same bytes. Prints every run, then per setting the medians and Fjord's median over kafka-clients'.
     */
    static void compareClients(String bootstrap, int records, int partitions, int rounds, List<Integer> sizes) throws Exception {
        System.out.printf("%-14s %-16s %12s %10s %10s%n", "client", "setting", "records/s", "p50 ms", "p99 ms");
        Map<String, List<Double>> results = new java.util.LinkedHashMap<>();
        int run = 0;
        for (int size : sizes) {
            int n = Math.max(records / 10, (int) ((long) records * 100 / size));
            for (String acks : List.of("1", "all")) {
                String setting = size + "B acks=" + acks;
                for (int r = 0; r < rounds; r++) {
                    List<String> order = r % 2 == 0 ? List.of("fjord", "kafka-clients") : List.of("kafka-clients", "fjord");
                    for (String client : order) {
                        String topic = "bench-" + System.currentTimeMillis() + "-" + (run++);
                        createTopic(bootstrap, topic, partitions);
                        Map<String, Object> off = Map.of("enable.idempotence", "false");
                        measure(client, acks, off, bootstrap, topic, n / 5, false, setting, size); // warm-up
                        double rate = measure(client, acks, off, bootstrap, topic, n, true, setting, size);
                        results.computeIfAbsent(setting + "|" + client, k -> new java.util.ArrayList<>()).add(rate);
                    }
                }
            }
        }
        printMedians(results);
    }

    /** Per setting: each client's median records/s (and its runs), then Fjord's median over kafka-clients'. */
    static void printMedians(Map<String, List<Double>> results) {
        Map<String, Double> medians = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            List<Double> l = new java.util.ArrayList<>(e.getValue());
            java.util.Collections.sort(l);
            double median = l.get(l.size() / 2);
            medians.put(e.getKey(), median);
            System.out.printf("median %-36s %12.0f records/s  (runs %s)%n", e.getKey().replace('|', ' '), median,
                    e.getValue().stream().map(v -> String.format("%.0f", v)).toList());
        }
        for (Map.Entry<String, Double> e : medians.entrySet()) {
            if (!e.getKey().endsWith("|fjord")) continue;
            String setting = e.getKey().substring(0, e.getKey().length() - "|fjord".length());
            Double kafka = medians.get(setting + "|kafka-clients");
            if (kafka != null) System.out.printf("ratio  %-36s %12.2f x kafka-clients%n", setting, e.getValue() / kafka);
        }
    }

    private static void createTopic(String bootstrap, String topic, int partitions) {
        try (FjordAdmin admin = new FjordAdmin(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)));
        }
    }

    /** Idempotence on vs off, acks=all, alternating; prints every run, then the median records/s per setting. */
    static void compareIdempotence(String bootstrap, List<String> clients, int records, int partitions, int rounds)
            throws Exception {
        System.out.printf("%-14s %-11s %12s %10s %10s%n", "client", "idempotence", "records/s", "p50 ms", "p99 ms");
        Map<String, List<Double>> results = new java.util.LinkedHashMap<>();
        int run = 0;
        for (String client : clients) {
            for (int r = 0; r < rounds; r++) {
                for (String on : List.of("true", "false")) {
                    String topic = "idem-" + System.currentTimeMillis() + "-" + (run++);
                    createTopic(bootstrap, topic, partitions);
                    Map<String, Object> extra = Map.of("enable.idempotence", on, "linger.ms", "5", "batch.size", "65536");
                    if (r == 0) measure(client, "all", extra, bootstrap, topic, records / 5, false); // warm-up
                    double rate = measure(client, "all", extra, bootstrap, topic, records, true, "idem=" + on);
                    results.computeIfAbsent(client + " idempotence=" + on, k -> new java.util.ArrayList<>()).add(rate);
                }
            }
        }
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            List<Double> l = new java.util.ArrayList<>(e.getValue());
            java.util.Collections.sort(l);
            System.out.printf("median %-36s %12.0f records/s  (runs %s)%n", e.getKey(), l.get(l.size() / 2), e.getValue());
        }
    }

    static double measure(String which, String acks, Map<String, Object> extra, String bootstrap, String topic, int n,
                          boolean print) throws Exception {
        return measure(which, acks, extra, bootstrap, topic, n, print, acks, 100);
    }

    static double measure(String which, String acks, Map<String, Object> extra, String bootstrap, String topic, int n,
                          boolean print, String label) throws Exception {
        return measure(which, acks, extra, bootstrap, topic, n, print, label, 100);
    }

    static double measure(String which, String acks, Map<String, Object> extra, String bootstrap, String topic, int n,
                          boolean print, String label, int size) throws Exception {
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        long[] latency = new long[n];
        CountDownLatch done = new CountDownLatch(n);
        try (Client c = which.equals("fjord") ? fjord(bootstrap, topic, acks, extra) : kafka(bootstrap, topic, acks, extra)) {
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
            double rate = n / (elapsed / 1e9);
            if (!print) return rate;
            Arrays.sort(latency);
            System.out.printf("%-14s %-16s %12.0f %10.2f %10.2f%n", which, label, rate,
                    latency[n / 2] / 1e6, latency[(int) (n * 0.99)] / 1e6);
            return rate;
        }
    }

    static Client fjord(String bootstrap, String topic, String acks, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("acks", acks);
        c.putAll(extra);
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

    static Client kafka(String bootstrap, String topic, String acks, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("acks", acks);
        c.putAll(extra);
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
