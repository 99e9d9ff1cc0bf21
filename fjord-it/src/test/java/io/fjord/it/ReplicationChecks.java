package io.fjord.it;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;

/**
 * The end-of-test invariants every replication fault test checks: what the producer was told was written is in the
 * log, once, at its offset and in order, and every replica's files hold the same batches up to the high watermark.
 * Stateless.
 */
final class ReplicationChecks {
    private ReplicationChecks() {
    }

    /** One record as a consumer read it. */
    record ReadRecord(int partition, long offset, String key, String value, int leaderEpoch) {
    }

    /** An acknowledgement to check: the producer was told {@code value} is at {@code offset} of {@code partition}. */
    record Acked(int partition, long offset, String value) {
    }

    /** An acknowledgement with the time the producer got it (this host's clock). */
    record TimedAck(int partition, long offset, long ackMs) {
    }

    static List<Acked> fromVerifiable(List<VerifiableProducerProcess.Ack> acks) {
        return acks.stream().map(a -> new Acked(a.partition(), a.offset(), a.value())).toList();
    }

    /**
     * Reads every partition of {@code topic} from its start to the end offsets of the moment (read_uncommitted:
     * the high watermarks), with kafka-clients; bounded.
     */
    static Map<Integer, List<ReadRecord>> readAll(String bootstrap, String topic, int partitions) {
        Map<Integer, List<ReadRecord>> out = new TreeMap<>();
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
            out.put(p, new ArrayList<>());
        }
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
            Awaitility.await("reading " + topic + " to its end offsets " + end).atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                            out.get(r.partition()).add(new ReadRecord(r.partition(), r.offset(), r.key(), r.value(),
                                    r.leaderEpoch().orElse(-1)));
                        }
                        for (TopicPartition tp : tps) if (c.position(tp) < end.get(tp)) return false;
                        return true;
                    });
        }
        return out;
    }

    /** The number a VerifiableProducer value carries (its values are "N" or "prefix.N"). */
    static long number(String value) {
        return Long.parseLong(value.substring(value.lastIndexOf('.') + 1));
    }

    /**
     * Every acknowledged record is in the log at its acknowledged offset with its value; no value appears twice in
     * the log (the producer is idempotent, and its values are unique); per partition, values grow with offsets (the
     * producer's send order is kept). Returns a summary line; fails with the first offenders listed.
     */
    static String assertAckedReadOnceInOrder(List<Acked> acks, Map<Integer, List<ReadRecord>> log) {
        List<String> problems = new ArrayList<>();
        Map<Integer, Map<Long, ReadRecord>> byOffset = new HashMap<>();
        Map<String, ReadRecord> byValue = new HashMap<>();
        long total = 0;
        for (Map.Entry<Integer, List<ReadRecord>> e : log.entrySet()) {
            Map<Long, ReadRecord> m = new HashMap<>();
            ReadRecord prev = null;
            for (ReadRecord r : e.getValue()) {
                total++;
                m.put(r.offset(), r);
                ReadRecord other = byValue.putIfAbsent(r.value(), r);
                if (other != null) problems.add("value " + r.value() + " twice: " + other + " and " + r);
                if (prev != null && number(r.value()) <= number(prev.value())) {
                    problems.add("partition " + e.getKey() + " out of order: " + prev + " then " + r);
                }
                prev = r;
            }
            byOffset.put(e.getKey(), m);
        }
        int missing = 0;
        int wrong = 0;
        for (Acked a : acks) {
            ReadRecord r = byOffset.getOrDefault(a.partition(), Map.of()).get(a.offset());
            if (r == null) {
                missing++;
                problems.add("acked " + a + " is not in the log (partition " + a.partition() + " read "
                        + describe(log.get(a.partition())) + ")");
            } else if (!r.value().equals(a.value())) {
                wrong++;
                problems.add("acked " + a + " but the log has " + r + " there");
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " problem(s); " + missing + " acked records missing, " + wrong
                    + " at a wrong offset, of " + acks.size() + " acked and " + total + " read. First ones:\n"
                    + problems.stream().limit(25).collect(Collectors.joining("\n")));
        }
        return acks.size() + " acked records all read back once at their offsets, in order; " + total
                + " records in the log";
    }

    private static String describe(List<ReadRecord> records) {
        if (records == null || records.isEmpty()) return "nothing";
        return records.size() + " records, offsets " + records.get(0).offset() + ".." + records.get(records.size() - 1).offset();
    }

    /**
     * Milliseconds from {@code sinceMs} to the first acknowledgement (by ack time) of a record in {@code partition}
     * that the final log shows written at {@code epoch} or later: the first write the new leader acknowledged.
     * Null if there is none.
     */
    static Long firstAckAtEpochMs(FinalState state, int partition, long sinceMs, int epoch, List<TimedAck> acks) {
        Map<Long, Integer> epochs = new HashMap<>();
        for (ReadRecord r : state.log().get(partition)) epochs.put(r.offset(), r.leaderEpoch());
        Long best = null;
        for (TimedAck a : acks) {
            if (a.partition() != partition || a.ackMs() < sinceMs) continue;
            Integer e = epochs.get(a.offset());
            if (e != null && e >= epoch && (best == null || a.ackMs() < best)) best = a.ackMs();
        }
        return best == null ? null : best - sinceMs;
    }

    /** What the final check saw: the high watermarks, the log a consumer read, and each replica's batches. */
    record FinalState(Map<Integer, Long> highWatermarks, Map<Integer, List<ReadRecord>> log,
                      Map<Integer, Map<Integer, List<ReplicaLogFiles.Batch>>> files) {
        /** The batches of {@code partition} on replica {@code node}. */
        List<ReplicaLogFiles.Batch> batches(int partition, int node) {
            return files.get(partition).get(node);
        }
    }

    /**
     * The final check every test ends with, once the faults are over and the producers stopped: waits for every
     * partition's whole replica set to be in sync, reads the high watermarks, checks the acknowledged records
     * against what a consumer reads, stops every node cleanly (SIGTERM) and compares each partition's segment files
     * across its replicas. Prints the summaries.
     */
    static FinalState finalCheck(ProcessCluster cluster, String topic, int partitions, List<Acked> acks)
            throws Exception {
        cluster.awaitFullIsr(topic, Duration.ofSeconds(60));
        Map<Integer, TopicPartitionInfo> layout = cluster.describe(topic);
        Map<Integer, Long> hw = cluster.highWatermarks(topic, partitions);
        Map<Integer, List<ReadRecord>> log = readAll(cluster.bootstrap(), topic, partitions);
        System.out.println("[" + topic + "] high watermarks " + hw + "; " + assertAckedReadOnceInOrder(acks, log));
        cluster.stopAll();
        Map<Integer, Map<Integer, List<ReplicaLogFiles.Batch>>> files = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            Map<Integer, List<ReplicaLogFiles.Batch>> replicas = new LinkedHashMap<>();
            for (Node n : layout.get(p).replicas()) {
                java.nio.file.Path d = cluster.partitionDir(n.id(), topic, p);
                if (!Files.isDirectory(d)) throw new AssertionError(topic + "-" + p + ": replica " + n.id() + " has no " + d);
                replicas.put(n.id(), ReplicaLogFiles.batches(d));
            }
            System.out.println("[" + topic + "] " + ReplicaLogFiles.assertReplicasAgree(topic + "-" + p, replicas, hw.get(p)));
            files.put(p, replicas);
        }
        return new FinalState(hw, log, files);
    }
}
