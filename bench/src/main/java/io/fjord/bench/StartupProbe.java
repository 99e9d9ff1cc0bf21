package io.fjord.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Start-up to first committed write (issue 15): launches {@code bin/fjord server} on a fresh data directory and
 * measures launch → client port open and launch → the first produce (acks=all, to a topic auto-created by that
 * produce) acknowledged. The probe's own JVM and kafka-clients are warmed first (a producer against a closed port),
 * so the figure is the broker's; also the node's CPU time until the ack (user + system, /proc), which moves less
 * with the machine's load than the wall time. Each round uses a new data directory and stops the node with SIGTERM (bounded).
 *
 * <pre>java -cp bench/target/fjord-bench.jar io.fjord.bench.StartupProbe [--rounds N] [--fjord bin/fjord]</pre>
 *
 * Extra JVM flags for the node go through the environment as for {@code bin/fjord} (FJORD_HEAP_OPTS, FJORD_OPTS).
 * Prints one line per round and the median. A benchmark, not a test.
 */
public final class StartupProbe {
    private StartupProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        String fjord = "bin/fjord";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--fjord" -> fjord = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        warmClient();
        List<Long> ports = new ArrayList<>();
        List<Long> acks = new ArrayList<>();
        List<Long> cpu = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            long[] t = round(fjord);
            ports.add(t[0]);
            acks.add(t[1]);
            cpu.add(t[2]);
            System.out.printf("round %d: port open %d ms, first write acked %d ms, node CPU until then %d ms (load %s)%n",
                    r, t[0], t[1], t[2], Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        }
        System.out.printf("median of %d: port open %d ms, first write acked %d ms, node CPU %d ms%n", rounds,
                median(ports), median(acks), median(cpu));
    }

    private static long[] round(String fjord) throws Exception {
        Path dir = Files.createTempDirectory("fjord-startup");
        int port = freePort();
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n", "node.id=1", "process.roles=broker,controller",
                "listeners=PLAINTEXT://127.0.0.1:" + port, "log.dirs=" + dir.resolve("data"), "num.partitions=1",
                "default.replication.factor=1", "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "auto.create.topics.enable=true", "fjord.console.listener=none", ""));
        ProcessBuilder pb = new ProcessBuilder(fjord, "server", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("node.out").toFile());
        long t0 = System.nanoTime();
        Process node = pb.start();
        try {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
            while (!connects(port)) {
                if (!node.isAlive()) throw new IllegalStateException("node exited: " + Files.readString(dir.resolve("node.out")));
                if (System.nanoTime() > deadline) throw new IllegalStateException("port not open after 120 s");
                Thread.sleep(2);
            }
            long portMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            try (KafkaProducer<byte[], byte[]> p = producer("127.0.0.1:" + port)) {
                RecordMetadata md = p.send(new ProducerRecord<>("startup", new byte[100])).get(120, TimeUnit.SECONDS);
                if (md.offset() != 0) throw new IllegalStateException("first write at offset " + md.offset());
            }
            long ackMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            return new long[] {portMs, ackMs, cpuMs(node.pid())};
        } finally {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** Loads and JIT-warms the producer's classes against a port nobody listens on. */
    private static void warmClient() throws IOException {
        try (KafkaProducer<byte[], byte[]> p = producer("127.0.0.1:" + freePort())) {
            p.send(new ProducerRecord<>("warm", new byte[1]));
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        // Retry quickly: the topic is created by the first metadata request and its leader appears a moment later.
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "5");
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "20");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "5");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "20");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /**
     * User + system CPU of the node's JVM so far (bin/fjord execs java, so the launched pid is the JVM): steadier
     * than wall time on a shared machine, where the node waits for cores.
     */
    private static long cpuMs(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15 of stat
        return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    }

    private static boolean connects(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 100);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long median(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
