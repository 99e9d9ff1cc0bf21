package io.fjord.client.producer;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the partition of a record that names none. A keyed record goes to
 * {@code (murmur2(key) & 0x7fffffff) % partitions}, as with Kafka's producer, so keyed data lands in the same
 * partitions whichever client wrote it. Keyless records (or all records with {@code partitioner.ignore.keys})
 * stick to one partition until about {@code batch.size} bytes went to it, then move on. With
 * {@code partitioner.adaptive.partitioning.enable} the next partition is drawn with a weight that falls with the
 * number of batches queued for it (a partition whose broker is slow gets less), and with
 * {@code partitioner.availability.timeout.ms} > 0 partitions whose leader has not accepted a request for that
 * long are skipped.
 */
public final class BuiltInPartitioner {
    /** What the partitioner learns about broker load from the accumulator and the sender. */
    public interface LoadStats {
        int queuedBatches(TopicPartition tp);

        /** Milliseconds since the node last took a produce request (0 if it is doing fine). */
        long unavailableMs(int nodeId);
    }

    private final int stickyBatchSize;
    private final boolean adaptive;
    private final long availabilityTimeoutMs;
    private final boolean ignoreKeys;
    private final LoadStats load;
    private final java.util.Random random; // null: ThreadLocalRandom
    private final Map<String, Sticky> sticky = new HashMap<>();

    private static final class Sticky {
        int partition;
        long produced;
    }

    public BuiltInPartitioner(int stickyBatchSize, boolean adaptive, long availabilityTimeoutMs, boolean ignoreKeys,
                              LoadStats load) {
        this(stickyBatchSize, adaptive, availabilityTimeoutMs, ignoreKeys, load, null);
    }

    /** With the randomness for the sticky partition draws passed in (null: ThreadLocalRandom). */
    public BuiltInPartitioner(int stickyBatchSize, boolean adaptive, long availabilityTimeoutMs, boolean ignoreKeys,
                              LoadStats load, java.util.Random random) {
        this.random = random;
        this.stickyBatchSize = Math.max(1, stickyBatchSize);
        this.adaptive = adaptive;
        this.availabilityTimeoutMs = availabilityTimeoutMs;
        this.ignoreKeys = ignoreKeys;
        this.load = load;
    }

    /** Kafka's keyed partition: positive murmur2 of the serialized key, modulo the partition count. */
    public static int partitionForKey(byte[] serializedKey, int numPartitions) {
        return Murmur2.toPositive(Murmur2.hash(serializedKey)) % numPartitions;
    }

    public int partition(String topic, byte[] keyBytes, Cluster cluster) {
        int count = cluster.partitionsForTopic(topic).size();
        if (keyBytes != null && !ignoreKeys) return partitionForKey(keyBytes, count);
        synchronized (this) {
            Sticky s = sticky.get(topic);
            if (s == null || s.partition >= count) {
                s = new Sticky();
                s.partition = choose(topic, cluster, -1);
                sticky.put(topic, s);
            }
            return s.partition;
        }
    }

    /** Counts bytes appended to the sticky partition; after a batch's worth the next record picks anew. */
    public synchronized void onAppend(String topic, int partition, int bytes, Cluster cluster) {
        Sticky s = sticky.get(topic);
        if (s == null || s.partition != partition) return;
        s.produced += bytes;
        if (s.produced >= stickyBatchSize) {
            s.produced = 0;
            s.partition = choose(topic, cluster, partition);
        }
    }

    int choose(String topic, Cluster cluster, int previous) {
        List<PartitionInfo> all = cluster.partitionsForTopic(topic);
        if (all.isEmpty()) return 0;
        List<PartitionInfo> candidates = new ArrayList<>();
        for (PartitionInfo p : all) {
            if (p.leader() < 0) continue;
            if (availabilityTimeoutMs > 0 && load != null && load.unavailableMs(p.leader()) > availabilityTimeoutMs) continue;
            candidates.add(p);
        }
        if (candidates.isEmpty()) {
            for (PartitionInfo p : all) if (p.leader() >= 0) candidates.add(p);
        }
        if (candidates.isEmpty()) candidates = all;
        java.util.Random rnd = random != null ? random : ThreadLocalRandom.current();
        if (!adaptive || load == null) return candidates.get(rnd.nextInt(candidates.size())).partition();
        int[] queue = new int[candidates.size()];
        int max = 0;
        for (int i = 0; i < queue.length; i++) {
            queue[i] = load.queuedBatches(new TopicPartition(topic, candidates.get(i).partition()));
            max = Math.max(max, queue[i]);
        }
        // Weight = max + 1 - queue: the emptiest queues are the likeliest; every candidate keeps a chance.
        long[] cumulative = new long[queue.length];
        long total = 0;
        for (int i = 0; i < queue.length; i++) {
            total += max + 1 - queue[i];
            cumulative[i] = total;
        }
        long pick = rnd.nextLong(total);
        for (int i = 0; i < cumulative.length; i++) {
            if (pick < cumulative[i]) return candidates.get(i).partition();
        }
        return candidates.get(candidates.size() - 1).partition();
    }
}
