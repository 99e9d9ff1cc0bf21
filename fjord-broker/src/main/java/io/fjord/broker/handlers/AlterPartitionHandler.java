package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.AlterPartitionRequest;
import io.fjord.metadata.AlterPartitionResult;
import io.fjord.metadata.Controller;
import io.fjord.metadata.PartitionState;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * AlterPartition (56, v2-3): a partition leader's ISR change, passed to the controller, which commits it only if
 * its epochs are current ({@link io.fjord.metadata.ReplicationControl#alterPartition} has the answers). In Kafka
 * only controllers serve it; Fjord's controller is reached through any node, so every broker listener does.
 * Topics are named by id (v2+). v3's broker epochs are read but not compared (Fjord's registrations carry an
 * incarnation id, not an epoch). A write that cannot be committed answers REQUEST_TIMED_OUT per partition.
 * Blocks the request thread for the metadata write.
 */
public final class AlterPartitionHandler implements ApiHandler {
    private final Controller controller;

    public AlterPartitionHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        response.set("ErrorCode", Errors.NONE.code());
        int brokerId = request.getInt("BrokerId");
        for (Struct t : request.getStructs("Topics")) {
            UUID topicId = t.getUuid("TopicId");
            Struct rt = response.child("Topics").set("TopicId", topicId);
            for (Struct p : t.getStructs("Partitions")) {
                int index = p.getInt("PartitionIndex");
                AlterPartitionResult r;
                try {
                    r = controller.alterPartition(new AlterPartitionRequest(null, topicId, index, brokerId,
                            p.getInt("LeaderEpoch"), p.getInt("PartitionEpoch"), newIsr(ctx.version(), p)));
                } catch (IOException e) {
                    r = AlterPartitionResult.error(Errors.REQUEST_TIMED_OUT);
                }
                Struct rp = rt.child("Partitions").set("PartitionIndex", index).set("ErrorCode", r.error().code());
                PartitionState s = r.error() == Errors.NONE ? r.state() : null;
                if (s != null) {
                    rp.set("LeaderId", s.leader()).set("LeaderEpoch", s.leaderEpoch()).set("Isr", s.isr())
                            .set("PartitionEpoch", s.partitionEpoch());
                }
                rt.add("Partitions", rp);
            }
            response.add("Topics", rt);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static List<Integer> newIsr(short version, Struct p) {
        if (version < 3) {
            List<Integer> isr = p.getList("NewIsr");
            return isr == null ? List.of() : isr;
        }
        List<Integer> out = new ArrayList<>();
        List<Struct> members = p.getStructs("NewIsrWithEpochs");
        if (members != null) for (Struct m : members) out.add(m.getInt("BrokerId"));
        return out;
    }
}
