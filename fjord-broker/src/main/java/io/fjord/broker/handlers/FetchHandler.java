package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.FetchPurgatory;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.LogReadResult;
import io.fjord.storage.OffsetOutOfRangeException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch (v4-18) for consumers. Reads each partition from its fetch offset up to the high watermark, bounded by
 * the partition's and the response's byte limits (the first non-empty partition is sent whole even past the limit,
 * as Kafka does, so a large batch never blocks a consumer). If fewer than {@code MinBytes} are there and no
 * partition has an error, the fetch waits in the {@link FetchPurgatory} for appends or {@code MaxWaitMs}.
 * Fetch sessions are declined (session id 0): every request is a full fetch, which Kafka's protocol allows.
 * Records travel as file slices: the network layer sends them with sendfile.
 */
public final class FetchHandler implements ApiHandler {
    private static final UUID ZERO = new UUID(0, 0);
    private final TopicAdmin admin;
    private final ReplicaManager replicas;

    public FetchHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    /** One requested partition, resolved against the image once. */
    private record Wanted(String topicName, UUID topicId, int partition, long fetchOffset, int maxBytes, Partition replica,
                          Errors error) {
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        List<Wanted> wanted = new ArrayList<>();
        List<TopicPartition> watch = new ArrayList<>();
        for (Struct t : request.getStructs("Topics")) {
            UUID id = v >= 13 ? t.getUuid("TopicId") : ZERO;
            TopicImage topic = v >= 13 ? admin.image().topic(id) : admin.image().topic(t.getString("Topic"));
            for (Struct p : t.getStructs("Partitions")) {
                int index = p.getInt("Partition");
                Partition replica = topic == null ? null : replicas.partition(new TopicPartition(topic.name(), index));
                Errors error = Errors.NONE;
                if (topic == null) error = v >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                else if (topic.partition(index) == null) error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                else if (replica == null || !replicas.isLeader(replica)) error = Errors.NOT_LEADER_OR_FOLLOWER;
                wanted.add(new Wanted(topic == null ? t.getString("Topic") : topic.name(), id, index,
                        p.getLong("FetchOffset"), p.getInt("PartitionMaxBytes"), replica, error));
                if (replica != null) watch.add(replica.topicPartition());
            }
        }
        int maxBytes = Math.min(request.getInt("MaxBytes"), admin.brokerConfig().getInt("fetch.max.bytes"));
        int minBytes = request.getInt("MinBytes");
        long maxWait = Math.max(0, request.getInt("MaxWaitMs"));
        Reads first = readAll(wanted, maxBytes);
        if (first.bytes >= minBytes || first.anyError || maxWait == 0 || watch.isEmpty()) {
            return CompletableFuture.completedFuture(respond(ctx, wanted, first));
        }
        CompletableFuture<Struct> result = new CompletableFuture<>();
        replicas.fetchPurgatory().park(new FetchPurgatory.DelayedFetch() {
            @Override
            public boolean isSatisfied() {
                return available(wanted) >= minBytes;
            }

            @Override
            public void complete() {
                try {
                    result.complete(respond(ctx, wanted, readAll(wanted, maxBytes)));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }
        }, watch, maxWait);
        return result;
    }

    private record Reads(List<Object> perPartition, int bytes, boolean anyError) {
    }

    /** Reads every wanted partition; each entry is a LogReadResult or an Errors. */
    private static Reads readAll(List<Wanted> wanted, int maxBytes) {
        List<Object> out = new ArrayList<>(wanted.size());
        int budget = maxBytes;
        int total = 0;
        boolean anyError = false;
        for (Wanted w : wanted) {
            if (w.error != Errors.NONE) {
                out.add(w.error);
                anyError = true;
                continue;
            }
            try {
                int limit = Math.max(0, Math.min(w.maxBytes, budget));
                LogReadResult r = w.replica.read(w.fetchOffset, limit, total == 0);
                out.add(r);
                int size = r.records().sizeInBytes();
                total += size;
                budget = Math.max(0, budget - size);
            } catch (OffsetOutOfRangeException e) {
                out.add(Errors.OFFSET_OUT_OF_RANGE);
                anyError = true;
            }
        }
        return new Reads(out, total, anyError);
    }

    /** Bytes readable now across the wanted partitions (up to their limits), to decide whether to wake. */
    private static int available(List<Wanted> wanted) {
        long total = 0;
        for (Wanted w : wanted) {
            if (w.replica == null) continue;
            if (w.fetchOffset < w.replica.logStartOffset() || w.fetchOffset > w.replica.logEndOffset()) return Integer.MAX_VALUE;
            if (w.replica.highWatermark() > w.fetchOffset) {
                try {
                    total += w.replica.read(w.fetchOffset, w.maxBytes, true).records().sizeInBytes();
                } catch (OffsetOutOfRangeException e) {
                    return Integer.MAX_VALUE;
                }
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    private static Struct respond(RequestContext ctx, List<Wanted> wanted, Reads reads) {
        short v = ctx.version();
        Struct response = ctx.spec().newResponse();
        response.set("SessionId", 0);
        Struct topic = null;
        String lastTopic = null;
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            String key = v >= 13 ? w.topicId.toString() : w.topicName;
            if (topic == null || !key.equals(lastTopic)) {
                topic = response.child("Responses");
                if (v >= 13) topic.set("TopicId", w.topicId); else topic.set("Topic", w.topicName);
                response.add("Responses", topic);
                lastTopic = key;
            }
            Struct p = topic.child("Partitions").set("PartitionIndex", w.partition).set("PreferredReadReplica", -1);
            Object r = reads.perPartition.get(i);
            if (r instanceof Errors e) {
                p.set("ErrorCode", e.code()).set("HighWatermark", -1L).set("LastStableOffset", -1L).set("LogStartOffset", -1L);
                if (w.replica != null) {
                    p.set("HighWatermark", w.replica.highWatermark()).set("LastStableOffset", w.replica.highWatermark())
                            .set("LogStartOffset", w.replica.logStartOffset());
                }
                p.set("Records", io.fjord.protocol.types.MemoryRecords.EMPTY);
            } else {
                LogReadResult lr = (LogReadResult) r;
                long hw = w.replica.highWatermark();
                p.set("ErrorCode", Errors.NONE.code()).set("HighWatermark", hw).set("LastStableOffset", hw)
                        .set("LogStartOffset", lr.logStartOffset()).set("Records", lr.records());
            }
            p.set("AbortedTransactions", null);
            topic.add("Partitions", p);
        }
        return response;
    }
}
