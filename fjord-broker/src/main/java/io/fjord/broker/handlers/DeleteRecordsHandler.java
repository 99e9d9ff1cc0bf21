package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteRecords (v0-2): moves each partition's log start offset to the requested offset (-1 = the high
 * watermark). An offset beyond the high watermark (or negative other than -1) is OFFSET_OUT_OF_RANGE; one below
 * the current log start changes nothing. The answer's LowWatermark is the log start offset afterwards. Whole
 * segments below it go with the next retention pass; the new start is checkpointed at once.
 */
public final class DeleteRecordsHandler implements ApiHandler {
    private final TopicAdmin admin;
    private final ReplicaManager replicas;

    public DeleteRecordsHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        boolean moved = false;
        for (Struct t : request.getStructs("Topics")) {
            String name = t.getString("Name");
            Struct tr = response.child("Topics").set("Name", name);
            response.add("Topics", tr);
            for (Struct p : t.getStructs("Partitions")) {
                int index = p.getInt("PartitionIndex");
                Struct pr = tr.child("Partitions").set("PartitionIndex", index).set("LowWatermark", -1L);
                tr.add("Partitions", pr);
                Partition partition = admin.image().topic(name) == null ? null
                        : replicas.partition(new TopicPartition(name, index));
                if (!ctx.authorized(io.fjord.broker.security.acl.AclOperation.DELETE, io.fjord.broker.security.acl.AclResourceType.TOPIC, name)) { // ACLs: TOPIC Delete
                    pr.set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (partition == null) {
                    pr.set("ErrorCode", Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                long offset = p.getLong("Offset");
                long hw = partition.highWatermark();
                if (offset == -1) offset = hw;
                if (offset < 0 || offset > hw) {
                    pr.set("ErrorCode", Errors.OFFSET_OUT_OF_RANGE.code()).set("LowWatermark", partition.logStartOffset());
                    continue;
                }
                try {
                    moved |= partition.log().maybeIncrementLogStartOffset(offset);
                    pr.set("ErrorCode", Errors.NONE.code()).set("LowWatermark", partition.logStartOffset());
                } catch (RuntimeException e) {
                    pr.set("ErrorCode", Errors.KAFKA_STORAGE_ERROR.code());
                }
            }
        }
        if (moved) replicas.checkpointLogs();
        return CompletableFuture.completedFuture(response);
    }
}
