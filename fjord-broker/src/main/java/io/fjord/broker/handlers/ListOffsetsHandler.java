package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.TimestampAndOffset;
import java.util.concurrent.CompletableFuture;

/**
 * ListOffsets (v1-11): earliest (-2, also -4 earliest-local), latest (-1: the high watermark; with
 * {@code IsolationLevel} 1, read_committed, v2+, the last stable offset), max timestamp (-3), or the first record at
 * or after a timestamp. Under read_committed a timestamp lookup answering an offset at or above the last stable
 * offset answers none, as Kafka does (the consumer could not read it yet).
 */
public final class ListOffsetsHandler implements ApiHandler {
    private static final long LATEST = -1, EARLIEST = -2, MAX_TIMESTAMP = -3, EARLIEST_LOCAL = -4,
            LATEST_TIERED = -5, EARLIEST_PENDING_UPLOAD = -6;

    private final TopicAdmin admin;
    private final ReplicaManager replicas;

    public ListOffsetsHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        boolean fromReplica = request.getInt("ReplicaId") >= 0; // a follower asking for the leader's log end
        boolean readCommitted = ctx.version() >= 2 && request.getByte("IsolationLevel") == 1;
        for (Struct t : request.getStructs("Topics")) {
            String name = t.getString("Name");
            TopicImage topic = admin.image().topic(name);
            Struct tr = response.child("Topics").set("Name", name);
            response.add("Topics", tr);
            for (Struct p : t.getStructs("Partitions")) {
                int index = p.getInt("PartitionIndex");
                Struct pr = tr.child("Partitions").set("PartitionIndex", index).set("Timestamp", -1L).set("Offset", -1L)
                        .set("LeaderEpoch", -1);
                tr.add("Partitions", pr);
                Partition partition = topic == null ? null : replicas.partition(new TopicPartition(name, index));
                // ACLs: a follower needs CLUSTER ClusterAction, anyone else TOPIC Describe.
                if (fromReplica ? !ctx.authorized(io.fjord.broker.security.acl.AclOperation.CLUSTER_ACTION, io.fjord.broker.security.acl.AclResourceType.CLUSTER, io.fjord.broker.security.acl.AclResourceType.CLUSTER_NAME)
                        : !ctx.authorized(io.fjord.broker.security.acl.AclOperation.DESCRIBE, io.fjord.broker.security.acl.AclResourceType.TOPIC, name)) {
                    pr.set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (partition == null) {
                    pr.set("ErrorCode", (topic != null && topic.partition(index) != null ? Errors.NOT_LEADER_OR_FOLLOWER
                            : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                    continue;
                }
                int currentEpoch = ctx.version() >= 4 ? p.getInt("CurrentLeaderEpoch") : -1;
                Errors leadership = !partition.isLeader() ? Errors.NOT_LEADER_OR_FOLLOWER
                        : currentEpoch >= 0 && currentEpoch < partition.leaderEpoch() ? Errors.FENCED_LEADER_EPOCH
                        : currentEpoch > partition.leaderEpoch() ? Errors.UNKNOWN_LEADER_EPOCH : Errors.NONE;
                if (leadership != Errors.NONE) {
                    pr.set("ErrorCode", leadership.code());
                    continue;
                }
                long ts = p.getLong("Timestamp");
                if (!fromReplica && (ts == LATEST || ts == MAX_TIMESTAMP || ts >= 0)
                        && partition.highWatermark() < partition.leaderEpochStartOffset()) {
                    // A new leader learns the high watermark from its followers' first fetches; until it has caught
                    // up to where its epoch began it would answer an older one than its predecessor did (KIP-207).
                    pr.set("ErrorCode", Errors.OFFSET_NOT_AVAILABLE.code());
                    continue;
                }
                pr.set("ErrorCode", Errors.NONE.code()).set("LeaderEpoch", partition.leaderEpoch());
                if (ts == EARLIEST || ts == EARLIEST_LOCAL) {
                    pr.set("Offset", partition.logStartOffset());
                } else if (ts == LATEST || ts == LATEST_TIERED) {
                    pr.set("Offset", ts != LATEST ? -1L : fromReplica ? partition.logEndOffset()
                            : readCommitted ? partition.lastStableOffset() : partition.highWatermark());
                } else if (ts == EARLIEST_PENDING_UPLOAD) {
                    pr.set("Offset", -1L);
                } else if (ts == MAX_TIMESTAMP) {
                    TimestampAndOffset max = RecordTimestamps.maxTimestamp(partition);
                    if (max != null && !(readCommitted && max.offset() >= partition.lastStableOffset())) {
                        pr.set("Timestamp", max.timestamp()).set("Offset", max.offset());
                    }
                } else if (ts >= 0) {
                    TimestampAndOffset found = RecordTimestamps.firstAtOrAfter(partition, ts);
                    if (found != null && !(readCommitted && found.offset() >= partition.lastStableOffset())) {
                        pr.set("Timestamp", found.timestamp()).set("Offset", found.offset());
                    }
                } else {
                    pr.set("ErrorCode", Errors.INVALID_REQUEST.code());
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
