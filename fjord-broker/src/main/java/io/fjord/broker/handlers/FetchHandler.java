package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.broker.replica.DelayedOperationPurgatory;
import io.fjord.broker.replica.Divergence;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.AbortedTxn;
import io.fjord.storage.EpochEndOffset;
import io.fjord.storage.LogReadResult;
import io.fjord.storage.OffsetOutOfRangeException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch (v4-18), for consumers and for follower replicas. Only a partition's leader answers (others:
 * NOT_LEADER_OR_FOLLOWER); a {@code CurrentLeaderEpoch} older than the leader's gets FENCED_LEADER_EPOCH, a newer
 * one UNKNOWN_LEADER_EPOCH (this broker has not seen that epoch yet).
 *
 * <ul>
 *   <li><b>Consumers</b> read below the high watermark ({@code IsolationLevel} 0, read_uncommitted) or below the last
 *       stable offset (1, read_committed), and then get the aborted transactions of the range they read
 *       ({@code AbortedTransactions}: producer id and first offset, from the transaction indexes), so they can drop
 *       aborted batches. Every answer carries the partition's {@code LastStableOffset}.</li>
 *   <li><b>Followers</b> ({@code ReplicaId}, or {@code ReplicaState.ReplicaId} from v15, set to a broker id) read up
 *       to the log end. The fetch offset is the follower's log end: it is recorded ({@link
 *       ReplicaManager#onFollowerFetch}), which may move the high watermark and bring the follower back into the
 *       ISR. If the follower's last fetched epoch says its log diverged from ours, the answer is that epoch's end
 *       here ({@code DivergingEpoch}) instead of records, and the follower's position is not recorded. A replica id
 *       that is not a replica of the partition gets UNKNOWN_LEADER_EPOCH if it named an epoch (it may be a replica
 *       this leader has not heard of yet, during a reassignment), else NOT_LEADER_OR_FOLLOWER.</li>
 * </ul>
 * Reads are bounded by the partition's and the response's byte limits (the first non-empty partition is sent whole
 * even past the limit, as Kafka does). If fewer than {@code MinBytes} are there and no partition has an error, the
 * fetch waits in the fetch purgatory for appends (and high watermark moves) or {@code MaxWaitMs}. Fetch sessions
 * (KIP-227, v7+) are served through {@link FetchSessionCache}: an incremental fetch reads every partition of its
 * session (followers' positions are recorded for all of them) and its answer carries only those with records, an
 * error, a diverging epoch or a changed high watermark / last stable offset / log start; with nothing new it waits
 * like a full fetch. A refused session (unknown id, wrong epoch) is a top-level error with no partitions. Records
 * travel as file slices (sendfile).
 */
public final class FetchHandler implements ApiHandler {
    private static final UUID ZERO = new UUID(0, 0);
    private final TopicAdmin admin;
    private final ReplicaManager replicas;

    private final FetchSessionCache sessions;

    public FetchHandler(TopicAdmin admin, ReplicaManager replicas, FetchSessionCache sessions) {
        this.admin = admin;
        this.replicas = replicas;
        this.sessions = sessions;
    }

    /** One requested partition, resolved against the image once. */
    private record Wanted(FetchSessionCache.FetchPartition asked, String topicName, UUID topicId, int partition,
                          long fetchOffset, int maxBytes, Partition replica, Errors error, EpochEndOffset diverging) {
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        int replicaId = v >= 15 ? replicaStateId(request) : request.getInt("ReplicaId");
        long replicaEpoch = v >= 15 && request.getStruct("ReplicaState") != null
                ? request.getStruct("ReplicaState").getLong("ReplicaEpoch") : -1L;
        boolean follower = replicaId >= 0;
        boolean readCommitted = !follower && request.getByte("IsolationLevel") == 1;
        boolean byId = v >= 13;
        List<FetchSessionCache.FetchPartition> asked = new ArrayList<>();
        for (Struct t : request.getStructs("Topics")) {
            UUID id = byId ? t.getUuid("TopicId") : null;
            String name = byId ? null : t.getString("Topic");
            for (Struct p : t.getStructs("Partitions")) {
                asked.add(new FetchSessionCache.FetchPartition(name, id, p.getInt("Partition"), p.getLong("FetchOffset"),
                        v >= 9 ? p.getInt("CurrentLeaderEpoch") : -1, v >= 12 ? p.getInt("LastFetchedEpoch") : -1,
                        p.getInt("PartitionMaxBytes")));
            }
        }
        List<FetchSessionCache.Forgotten> forgotten = new ArrayList<>();
        if (v >= 7) {
            for (Struct t : request.getStructs("ForgottenTopicsData")) {
                for (Integer index : t.<Integer>getList("Partitions")) {
                    forgotten.add(new FetchSessionCache.Forgotten(byId ? null : t.getString("Topic"),
                            byId ? t.getUuid("TopicId") : null, index));
                }
            }
        }
        FetchSessionCache.Context session = v >= 7
                ? sessions.open(request.getInt("SessionId"), request.getInt("SessionEpoch"), byId, follower, asked, forgotten)
                : new FetchSessionCache.Context(Errors.NONE, FetchSessionCache.NO_SESSION, null, false, asked);
        if (session.error() != Errors.NONE) {
            // The whole request is refused; the fetcher starts over with a full fetch.
            Struct response = ctx.spec().newResponse().set("ErrorCode", session.error().code())
                    .set("SessionId", FetchSessionCache.NO_SESSION);
            return CompletableFuture.completedFuture(response);
        }
        List<Wanted> wanted = new ArrayList<>();
        List<TopicPartition> watch = new ArrayList<>();
        // ACLs (Kafka's checks): a follower needs CLUSTER ClusterAction, a consumer TOPIC Read on each topic.
        boolean followerAllowed = !follower || ctx.authorized(AclOperation.CLUSTER_ACTION, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME);
        for (FetchSessionCache.FetchPartition p : session.toFetch()) {
            TopicImage topic = byId ? admin.image().topic(p.topicId()) : admin.image().topic(p.topic());
            UUID id = byId ? p.topicId() : ZERO;
            int index = p.partition();
            Partition replica = topic == null ? null : replicas.partition(new TopicPartition(topic.name(), index));
            long fetchOffset = p.fetchOffset();
            int currentEpoch = p.currentLeaderEpoch();
            Errors error = Errors.NONE;
            EpochEndOffset diverging = null;
            String aclName = topic != null ? topic.name() : p.topic();
            if (!followerAllowed || (!follower && aclName != null && !ctx.authorized(AclOperation.READ, AclResourceType.TOPIC, aclName))) {
                error = Errors.TOPIC_AUTHORIZATION_FAILED;
            } else if (topic == null) error = byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
            else if (topic.partition(index) == null) error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
            else if (replica == null || !replica.isLeader()) error = Errors.NOT_LEADER_OR_FOLLOWER;
            else if (currentEpoch >= 0 && currentEpoch < replica.leaderEpoch()) error = Errors.FENCED_LEADER_EPOCH;
            else if (currentEpoch > replica.leaderEpoch()) error = Errors.UNKNOWN_LEADER_EPOCH;
            else if (follower) {
                int lastFetchedEpoch = p.lastFetchedEpoch();
                if (!replica.state().replicas().contains(replicaId)) {
                    error = currentEpoch >= 0 ? Errors.UNKNOWN_LEADER_EPOCH : Errors.NOT_LEADER_OR_FOLLOWER;
                } else if (lastFetchedEpoch >= 0
                        && (diverging = Divergence.check(replica.endOffsetForEpoch(lastFetchedEpoch), lastFetchedEpoch, fetchOffset)) != null) {
                    // answered below with the diverging epoch; the position is not a prefix of ours: not recorded
                } else if (fetchOffset >= replica.logStartOffset() && fetchOffset <= replica.logEndOffset()) {
                    replicas.onFollowerFetch(replica, replicaId, fetchOffset, replicaEpoch);
                }
            }
            wanted.add(new Wanted(p, topic == null ? p.topic() : topic.name(), id, index, fetchOffset,
                    p.maxBytes(), replica, error, diverging));
            if (replica != null && error == Errors.NONE) watch.add(replica.topicPartition());
        }
        int maxBytes = Math.min(request.getInt("MaxBytes"), admin.brokerConfig().getInt("fetch.max.bytes"));
        int minBytes = request.getInt("MinBytes");
        long maxWait = Math.max(0, request.getInt("MaxWaitMs"));
        Reads first = readAll(wanted, maxBytes, follower, readCommitted);
        if (first.bytes >= minBytes || first.anyError || maxWait == 0 || watch.isEmpty()) {
            countBytesOut(wanted, first, follower);
            return CompletableFuture.completedFuture(respond(ctx, session, wanted, first, readCommitted));
        }
        CompletableFuture<Struct> result = new CompletableFuture<>();
        replicas.fetchPurgatory().park(new DelayedOperationPurgatory.DelayedOperation() {
            @Override
            public boolean isSatisfied() {
                return available(wanted, follower, readCommitted, minBytes) >= minBytes;
            }

            @Override
            public void complete() {
                try {
                    Reads reads = readAll(wanted, maxBytes, follower, readCommitted);
                    countBytesOut(wanted, reads, follower);
                    result.complete(respond(ctx, session, wanted, reads, readCommitted));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }
        }, watch, maxWait);
        return result;
    }

    /** BytesOutPerSec per topic (consumers) or ReplicationBytesOutPerSec (followers): the records being sent. */
    private void countBytesOut(List<Wanted> wanted, Reads reads, boolean follower) {
        io.fjord.broker.metrics.BrokerMetrics m = replicas.metrics();
        if (m == null) return;
        for (int i = 0; i < wanted.size(); i++) {
            if (reads.perPartition.get(i) instanceof LogReadResult lr && lr.records().sizeInBytes() > 0) {
                m.fetched(wanted.get(i).topicName, lr.records().sizeInBytes(), follower);
            }
        }
    }

    private static int replicaStateId(Struct request) {
        Struct rs = request.getStruct("ReplicaState");
        return rs == null ? -1 : rs.getInt("ReplicaId");
    }

    private record Reads(List<Object> perPartition, int bytes, boolean anyError) {
    }

    /** Reads every wanted partition; each entry is a LogReadResult, an Errors, or null (diverging: no records). */
    private static Reads readAll(List<Wanted> wanted, int maxBytes, boolean follower, boolean readCommitted) {
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
            if (!w.replica.isLeader()) { // leadership moved while the fetch waited
                out.add(Errors.NOT_LEADER_OR_FOLLOWER);
                anyError = true;
                continue;
            }
            if (w.diverging != null) {
                out.add(null);
                anyError = true; // answer at once: the follower must truncate before anything else
                continue;
            }
            try {
                int limit = Math.max(0, Math.min(w.maxBytes, budget));
                LogReadResult r = follower ? w.replica.readForFollower(w.fetchOffset, limit, total == 0)
                        : readCommitted ? w.replica.readCommitted(w.fetchOffset, limit, total == 0)
                        : w.replica.read(w.fetchOffset, limit, total == 0);
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
    /**
     * Bytes readable now across the wanted partitions (up to their limits), to decide whether to wake; it stops
     * counting once {@code minBytes} is reached. Every append and high watermark move asks this of each parked
     * fetch, so with the usual {@code MinBytes} of 1 (consumers' default, followers') a visible offset past the
     * fetch offset answers it without reading the log.
     */
    private static int available(List<Wanted> wanted, boolean follower, boolean readCommitted, int minBytes) {
        long total = 0;
        for (Wanted w : wanted) {
            if (w.replica == null) continue;
            if (!w.replica.isLeader()) return Integer.MAX_VALUE;
            if (w.fetchOffset < w.replica.logStartOffset() || w.fetchOffset > w.replica.logEndOffset()) return Integer.MAX_VALUE;
            long visible = follower ? w.replica.logEndOffset()
                    : readCommitted ? w.replica.lastStableOffset() : w.replica.highWatermark();
            if (visible <= w.fetchOffset) continue;
            if (minBytes <= 1) return Integer.MAX_VALUE; // a whole batch is at least one byte
            try {
                total += (follower ? w.replica.readForFollower(w.fetchOffset, w.maxBytes, true)
                        : readCommitted ? w.replica.readCommitted(w.fetchOffset, w.maxBytes, true)
                        : w.replica.read(w.fetchOffset, w.maxBytes, true)).records().sizeInBytes();
            } catch (OffsetOutOfRangeException e) {
                return Integer.MAX_VALUE;
            }
            if (total >= minBytes) break;
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    private static Struct respond(RequestContext ctx, FetchSessionCache.Context session, List<Wanted> wanted, Reads reads,
                                  boolean readCommitted) {
        short v = ctx.version();
        Struct response = ctx.spec().newResponse();
        response.set("SessionId", session.sessionId());
        Struct topic = null;
        String lastTopic = null;
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            Struct p = partitionResponse(ctx, w, reads.perPartition.get(i), readCommitted);
            if (session.session() != null) {
                Object r = reads.perPartition.get(i);
                boolean news = !(r instanceof LogReadResult lr) || lr.records().sizeInBytes() > 0;
                if (!session.session().mustSend(w.asked, session.incremental(), news, p.getLong("HighWatermark"),
                        p.getLong("LastStableOffset"), p.getLong("LogStartOffset"))) {
                    continue; // nothing new since the session's last answer: an incremental answer leaves it out
                }
            }
            String key = v >= 13 ? w.topicId.toString() : w.topicName;
            if (topic == null || !key.equals(lastTopic)) {
                topic = response.child("Responses");
                if (v >= 13) topic.set("TopicId", w.topicId); else topic.set("Topic", w.topicName);
                response.add("Responses", topic);
                lastTopic = key;
            }
            topic.add("Partitions", p);
        }
        return response;
    }

    /** One partition's answer: an error (Errors), a diverging epoch (null) or records (LogReadResult). */
    private static Struct partitionResponse(RequestContext ctx, Wanted w, Object r, boolean readCommitted) {
        short v = ctx.version();
        Struct p = ctx.spec().newResponse().child("Responses").child("Partitions")
                .set("PartitionIndex", w.partition).set("PreferredReadReplica", -1);
        if (r instanceof Errors e) {
            p.set("ErrorCode", e.code()).set("HighWatermark", -1L).set("LastStableOffset", -1L).set("LogStartOffset", -1L);
            if (w.replica != null) {
                p.set("HighWatermark", w.replica.highWatermark()).set("LastStableOffset", w.replica.lastStableOffset())
                        .set("LogStartOffset", w.replica.logStartOffset());
            }
            if (w.replica != null && v >= 12 && (e == Errors.NOT_LEADER_OR_FOLLOWER || e == Errors.FENCED_LEADER_EPOCH)) {
                var s = w.replica.state();
                p.set("CurrentLeader", p.child("CurrentLeader").set("LeaderId", s.leader()).set("LeaderEpoch", s.leaderEpoch()));
            }
            p.set("Records", io.fjord.protocol.types.MemoryRecords.EMPTY);
        } else if (r == null) {
            long hw = w.replica.highWatermark();
            p.set("ErrorCode", Errors.NONE.code()).set("HighWatermark", hw).set("LastStableOffset", w.replica.lastStableOffset())
                    .set("LogStartOffset", w.replica.logStartOffset())
                    .set("DivergingEpoch", p.child("DivergingEpoch").set("Epoch", w.diverging.epoch())
                            .set("EndOffset", w.diverging.endOffset()))
                    .set("Records", io.fjord.protocol.types.MemoryRecords.EMPTY);
        } else {
            LogReadResult lr = (LogReadResult) r;
            long hw = w.replica.highWatermark();
            // Read the LSO before the transaction indexes: an abort written meanwhile is then listed, never missed.
            long lso = w.replica.lastStableOffset();
            p.set("ErrorCode", Errors.NONE.code()).set("HighWatermark", hw).set("LastStableOffset", lso)
                    .set("LogStartOffset", lr.logStartOffset()).set("Records", lr.records());
            if (readCommitted && v >= 4) {
                // The consumer applies the list only to the batches it got; the range is the fetch offset to the
                // LSO the read was bounded by (an upper bound of what was returned).
                List<Struct> aborted = new ArrayList<>();
                for (AbortedTxn t : w.replica.log().abortedTransactions(w.fetchOffset, lso)) {
                    aborted.add(p.child("AbortedTransactions").set("ProducerId", t.producerId())
                            .set("FirstOffset", t.firstOffset()));
                }
                p.set("AbortedTransactions", aborted);
                return p;
            }
        }
        p.set("AbortedTransactions", null);
        return p;
    }
}
