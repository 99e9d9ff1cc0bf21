package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.EpochEndOffset;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetForLeaderEpoch (23, v2-4): for each partition, the largest leader epoch at or below the asked one in this
 * replica's history and where it ended (the next epoch's start, or the log end for the current epoch); (-1, -1)
 * when the history has nothing that old. Consumers use it after a leader change to detect a truncated position;
 * followers could use it to find a divergence (Fjord's followers get the same answer inside Fetch). Answered by the
 * leader only, unless the caller is a debugging tool ({@code ReplicaId} -2). {@code CurrentLeaderEpoch} older
 * than ours → FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH. As in Kafka, CLUSTER ClusterAction (a broker)
 * may ask of any topic, anyone else needs TOPIC Describe (else TOPIC_AUTHORIZATION_FAILED).
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler {
    private static final int DEBUG_REPLICA = -2;
    private final TopicAdmin admin;
    private final ReplicaManager replicas;

    public OffsetForLeaderEpochHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        boolean anyReplica = ctx.version() >= 3 && request.getInt("ReplicaId") == DEBUG_REPLICA;
        Struct response = ctx.spec().newResponse();
        boolean clusterAction = ctx.authorized(AclOperation.CLUSTER_ACTION, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME);
        for (Struct t : request.getStructs("Topics")) {
            String name = t.getString("Topic");
            boolean allowed = clusterAction || ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TOPIC, name);
            TopicImage topic = admin.image().topic(name);
            Struct tr = response.child("Topics").set("Topic", name);
            response.add("Topics", tr);
            for (Struct p : t.getStructs("Partitions")) {
                int index = p.getInt("Partition");
                Struct pr = tr.child("Partitions").set("Partition", index).set("LeaderEpoch", -1).set("EndOffset", -1L);
                tr.add("Partitions", pr);
                Partition partition = topic == null ? null : replicas.partition(new TopicPartition(name, index));
                int current = p.getInt("CurrentLeaderEpoch");
                Errors error = Errors.NONE;
                if (!allowed) error = Errors.TOPIC_AUTHORIZATION_FAILED;
                else if (topic == null || topic.partition(index) == null) error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                else if (partition == null || (!anyReplica && !partition.isLeader())) error = Errors.NOT_LEADER_OR_FOLLOWER;
                else if (current >= 0 && current < partition.leaderEpoch()) error = Errors.FENCED_LEADER_EPOCH;
                else if (current > partition.leaderEpoch()) error = Errors.UNKNOWN_LEADER_EPOCH;
                pr.set("ErrorCode", error.code());
                if (error != Errors.NONE) continue;
                EpochEndOffset end = partition.endOffsetForEpoch(p.getInt("LeaderEpoch"));
                pr.set("LeaderEpoch", end.epoch()).set("EndOffset", end.endOffset());
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
