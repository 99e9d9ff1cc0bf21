import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Fail-over probe for bench/cluster-compare.sh (run with the source launcher against kafka-clients' jars:
 * {@code java -cp "$LIB/*" FailoverProbe.java --bootstrap H:P --topic T --status F --marker M}).
 *
 * <p>It sends one 100-byte record every {@code --interval-ms} (5) to partition 0 with acks=all (the default
 * idempotent producer), and keeps two files for the script:
 * <ul>
 *   <li>{@code --status}: rewritten every ~250 ms from Admin describeTopics:
 *       {@code asof=<epoch ms the describe was sent> leader=<id of partition 0's leader> isr_full=<1 when every
 *       partition has all replicas in its ISR and a leader> acks=<n> errors=<n>}. The script reads the leader to kill and waits for isr_full=1 after a
 *       restart.</li>
 *   <li>{@code --marker}: written by the script just before it sends {@code kill -9}: {@code <round> <kill epoch ms>
 *       <old leader id>}. The probe then reports, on stdout, the first acknowledgement received at or after the kill
 *       time while its producer's metadata names a leader other than the old one: that ack came from the new leader
 *       (the producer only sends to the leader it knows, and an ack of the dead leader still in flight at the kill
 *       arrives while its metadata still names the old leader).</li>
 * </ul>
 * The line is {@code ROUND <r> failover_ms=<ack - kill> failed_sends=<sends that failed for good since the marker
 * was read; the idempotent producer retries, so 0 is expected> new_leader=<id>}. The probe ends by itself after {@code --max-seconds} (1800), so it cannot outlive a broken script.
 */
public final class FailoverProbe {
    private static final long STATUS_PERIOD_MS = 250;

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parseArgs(args);
        String bootstrap = a.get("--bootstrap");
        String topic = a.get("--topic");
        Path status = Path.of(a.get("--status"));
        Path marker = Path.of(a.get("--marker"));
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(a.getOrDefault("--interval-ms", "5")));
        long deadline = System.currentTimeMillis() + 1000L * Long.parseLong(a.getOrDefault("--max-seconds", "1800"));

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        // send() must not block the 5 ms loop for long while partition 0 has no leader.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "4000");

        AtomicLong acks = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentLinkedQueue<Long> acksSinceArm = new ConcurrentLinkedQueue<>();
        byte[] value = new byte[100];

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p); Admin admin = Admin.create(ap)) {
            Thread statusWriter = new Thread(() -> writeStatusUntil(admin, topic, status, acks, errors, deadline),
                    "status-writer");
            statusWriter.setDaemon(true);
            statusWriter.start();

            // The round being measured: armed once its marker is read, cleared when reported.
            int lastRound = 0;
            long killMs = 0;
            int oldLeader = -1;
            boolean armed = false;
            long errorsAtArm = 0;
            long next = System.nanoTime();
            while (System.currentTimeMillis() < deadline) {
                final boolean collect = armed;
                try {
                    producer.send(new ProducerRecord<>(topic, 0, null, value), (md, e) -> {
                        long now = System.currentTimeMillis();
                        if (e == null) {
                            acks.incrementAndGet();
                            if (collect) acksSinceArm.add(now);
                        } else {
                            errors.incrementAndGet();
                        }
                    });
                } catch (RuntimeException e) { // e.g. a metadata wait past max.block.ms: count it, keep the pace
                    errors.incrementAndGet();
                }

                if (!armed) {
                    String[] m = readMarker(marker);
                    if (m != null && Integer.parseInt(m[0]) > lastRound) {
                        lastRound = Integer.parseInt(m[0]);
                        killMs = Long.parseLong(m[1]);
                        oldLeader = Integer.parseInt(m[2]);
                        acksSinceArm.clear();
                        errorsAtArm = errors.get();
                        armed = true;
                    }
                } else {
                    for (Long ackMs; (ackMs = acksSinceArm.poll()) != null; ) {
                        if (ackMs < killMs) continue;
                        int leader = leaderOfPartition0(producer, topic);
                        if (leader >= 0 && leader != oldLeader) {
                            System.out.printf("ROUND %d failover_ms=%d failed_sends=%d new_leader=%d%n", lastRound,
                                    ackMs - killMs, errors.get() - errorsAtArm, leader);
                            System.out.flush();
                            armed = false;
                            break;
                        }
                    }
                }

                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                else if (-wait > intervalNanos) next = System.nanoTime(); // fell behind (a blocked send): no burst
            }
        }
    }

    private static int leaderOfPartition0(KafkaProducer<byte[], byte[]> producer, String topic) {
        try {
            for (PartitionInfo pi : producer.partitionsFor(topic)) {
                if (pi.partition() == 0) return pi.leader() == null ? -1 : pi.leader().id();
            }
        } catch (RuntimeException e) {
            // metadata not available right now: not a new leader yet
        }
        return -1;
    }

    private static void writeStatusUntil(Admin admin, String topic, Path status, AtomicLong acks, AtomicLong errors,
                                         long deadline) {
        while (System.currentTimeMillis() < deadline) {
            long asof = System.currentTimeMillis();
            int leader = -1;
            boolean isrFull = false;
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(4, TimeUnit.SECONDS)
                        .get(topic);
                isrFull = true;
                for (TopicPartitionInfo tp : d.partitions()) {
                    Node l = tp.leader();
                    if (tp.partition() == 0) leader = l == null ? -1 : l.id();
                    if (l == null || l.id() < 0 || tp.isr().size() < tp.replicas().size()) isrFull = false;
                }
            } catch (Exception e) {
                // a broker is down or the topic is not there yet: report "unknown" and try again
            }
            String line = "asof=" + asof + " leader=" + leader + " isr_full=" + (isrFull ? 1 : 0) + " acks=" + acks.get()
                    + " errors=" + errors.get() + "\n";
            try {
                Path tmp = status.resolveSibling(status.getFileName() + ".tmp");
                Files.writeString(tmp, line, StandardCharsets.UTF_8);
                Files.move(tmp, status, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                System.err.println("status file: " + e);
            }
            try {
                Thread.sleep(STATUS_PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String[] readMarker(Path marker) {
        try {
            if (!Files.exists(marker)) return null;
            String[] m = Files.readString(marker, StandardCharsets.UTF_8).trim().split("\\s+");
            return m.length == 3 ? m : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) m.put(args[i], args[i + 1]);
        for (String k : List.of("--bootstrap", "--topic", "--status", "--marker")) {
            if (!m.containsKey(k)) {
                throw new IllegalArgumentException("missing " + k + "; got " + m.keySet().stream().sorted()
                        .collect(Collectors.joining(" ")));
            }
        }
        return m;
    }
}
