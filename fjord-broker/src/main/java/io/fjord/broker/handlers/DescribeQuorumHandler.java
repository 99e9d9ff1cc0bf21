package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.QuorumInfo;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * DescribeQuorum (55, v0-2): the metadata quorum of partition {@code __cluster_metadata-0} as its leader sees it
 * ({@link io.fjord.metadata.Controller#describeQuorum}; any node answers, asking the leader when it is not).
 * Other topics or partitions answer UNKNOWN_TOPIC_OR_PARTITION; no reachable leader answers NOT_LEADER_OR_FOLLOWER
 * with the reason (what Kafka's Raft client answers when it is not the leader). Fjord keeps no directory ids
 * (KIP-853), so ReplicaDirectoryId is the zero uuid. Blocks the request thread while a leader elsewhere answers.
 */
public final class DescribeQuorumHandler implements ApiHandler {
    static final String METADATA_TOPIC = "__cluster_metadata";

    /** A voter's CONTROLLER endpoint, for v2's Nodes. */
    public record VoterEndpoint(int id, String listener, String host, int port) {
    }

    private final io.fjord.metadata.Controller controller;
    private final Supplier<List<VoterEndpoint>> endpoints;

    public DescribeQuorumHandler(io.fjord.metadata.Controller controller, Supplier<List<VoterEndpoint>> endpoints) {
        this.controller = controller;
        this.endpoints = endpoints;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        response.set("ErrorCode", Errors.NONE.code());
        QuorumInfo quorum = null;
        String failure = null;
        for (Struct t : request.getStructs("Topics")) {
            Struct topic = response.child("Topics").set("TopicName", t.getString("TopicName"));
            response.add("Topics", topic);
            for (Struct p : t.getStructs("Partitions")) {
                int index = p.getInt("PartitionIndex");
                Struct out = topic.child("Partitions").set("PartitionIndex", index).set("LeaderId", -1)
                        .set("LeaderEpoch", -1).set("HighWatermark", -1L);
                topic.add("Partitions", out);
                if (!METADATA_TOPIC.equals(t.getString("TopicName")) || index != 0) {
                    out.set("ErrorCode", Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .set("ErrorMessage", "The metadata quorum is partition " + METADATA_TOPIC + "-0");
                    continue;
                }
                if (quorum == null && failure == null) {
                    try {
                        quorum = controller.describeQuorum();
                    } catch (IOException | RuntimeException e) {
                        failure = e.getMessage();
                    }
                }
                if (quorum == null) {
                    out.set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code()).set("ErrorMessage", failure);
                    continue;
                }
                out.set("ErrorCode", Errors.NONE.code()).set("LeaderId", quorum.leaderId())
                        .set("LeaderEpoch", (int) quorum.leaderEpoch()).set("HighWatermark", quorum.highWatermark());
                for (QuorumInfo.Replica r : quorum.voters()) out.add("CurrentVoters", replica(out.child("CurrentVoters"), r));
                for (QuorumInfo.Replica r : quorum.observers()) out.add("Observers", replica(out.child("Observers"), r));
            }
        }
        if (ctx.version() >= 2) {
            for (VoterEndpoint v : endpoints.get()) {
                Struct node = response.child("Nodes").set("NodeId", v.id());
                node.add("Listeners", node.child("Listeners").set("Name", v.listener()).set("Host", v.host()).set("Port", v.port()));
                response.add("Nodes", node);
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static Struct replica(Struct s, QuorumInfo.Replica r) {
        return s.set("ReplicaId", r.id()).set("ReplicaDirectoryId", new UUID(0, 0)).set("LogEndOffset", r.logEndOffset())
                .set("LastFetchTimestamp", r.lastFetchTimestamp()).set("LastCaughtUpTimestamp", r.lastCaughtUpTimestamp());
    }
}
