package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.LogManager;
import io.fjord.storage.PartitionLog;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeLogDirs (v1-5): for every log dir of this broker, the replicas it holds (all when the request's Topics is
 * null, else only the asked partitions this broker has; unknown ones are left out, as Kafka does), each with its
 * size in bytes (all segments), its offset lag and IsFutureKey false (Fjord does not move replicas between dirs).
 * A dir lists only topics with at least one such partition.
 *
 * <p>OffsetLag is Kafka's for a current (not future) log: max(0, high watermark - log end offset) of the local
 * replica, so 0 for a leader and for any follower whose high watermark does not run ahead of its log end; -1 when the
 * log has no partition state here. TotalBytes/UsableBytes (v4+) come from the dir's file store (a negative figure,
 * JDK-8162520, is reported as Long.MAX_VALUE, as Kafka does). A dir whose file store cannot be read answers
 * KAFKA_STORAGE_ERROR with no topics. IsCordoned (v5) is false: Fjord has no cordoned dirs.
 *
 * <p>Stateless; safe to call from any request thread.
 */
public final class DescribeLogDirsHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(DescribeLogDirsHandler.class);
    /** Kafka's DescribeLogDirsResponse.INVALID_OFFSET_LAG: the replica is not (or no longer) hosted here. */
    static final long INVALID_OFFSET_LAG = -1L;

    private final LogManager logs;
    private final ReplicaManager replicas;

    public DescribeLogDirsHandler(LogManager logs, ReplicaManager replicas) {
        this.logs = logs;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Set<TopicPartition> wanted = wanted(request.getStructs("Topics"));
        Struct response = ctx.spec().newResponse().set("ErrorCode", Errors.NONE.code());
        // Group the held logs by the dir they live in, sorted so that answers are stable.
        Map<Path, Map<String, List<PartitionLog>>> byDir = new TreeMap<>();
        for (PartitionLog l : logs.allLogs()) {
            if (wanted != null && !wanted.contains(new TopicPartition(l.topic(), l.partition()))) continue;
            byDir.computeIfAbsent(l.dir().getParent().toAbsolutePath().normalize(), d -> new TreeMap<>())
                    .computeIfAbsent(l.topic(), t -> new ArrayList<>()).add(l);
        }
        for (Path dir : logs.logDirs()) {
            Path abs = dir.toAbsolutePath().normalize();
            Struct result = response.child("Results").set("LogDir", abs.toString());
            response.add("Results", result);
            try {
                FileStore store = Files.getFileStore(abs);
                result.set("TotalBytes", nonNegative(store.getTotalSpace()))
                        .set("UsableBytes", nonNegative(store.getUsableSpace()));
            } catch (IOException | RuntimeException e) {
                log.warn("cannot describe log dir {}: {}", abs, e.toString());
                result.set("ErrorCode", Errors.KAFKA_STORAGE_ERROR.code());
                continue;
            }
            result.set("ErrorCode", Errors.NONE.code());
            for (Map.Entry<String, List<PartitionLog>> topic : byDir.getOrDefault(abs, Map.of()).entrySet()) {
                Struct t = result.child("Topics").set("Name", topic.getKey());
                result.add("Topics", t);
                topic.getValue().stream().sorted((a, b) -> Integer.compare(a.partition(), b.partition())).forEach(l ->
                        t.add("Partitions", t.child("Partitions")
                                .set("PartitionIndex", l.partition())
                                .set("PartitionSize", l.sizeInBytes())
                                .set("OffsetLag", offsetLag(l))
                                .set("IsFutureKey", false)));
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    /** The asked partitions, or null for all. */
    private static Set<TopicPartition> wanted(List<Struct> topics) {
        if (topics == null) return null;
        Set<TopicPartition> out = new HashSet<>();
        for (Struct t : topics) {
            for (Integer p : t.<Integer>getList("Partitions")) out.add(new TopicPartition(t.getString("Topic"), p));
        }
        return out;
    }

    private long offsetLag(PartitionLog l) {
        Partition p = replicas.partition(new TopicPartition(l.topic(), l.partition()));
        if (p == null || p.log() != l) return INVALID_OFFSET_LAG;
        return Math.max(0, p.highWatermark() - l.logEndOffset());
    }

    private static long nonNegative(long space) {
        return space < 0 ? Long.MAX_VALUE : space;
    }
}
