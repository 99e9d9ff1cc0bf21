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
import io.fjord.storage.ProducerStateManager;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeProducers (v0): the producers the leader of each listed partition keeps state for — id, epoch, last
 * sequence, last batch timestamp, coordinator epoch of the last marker, and the first offset of the transaction
 * still open there (-1 if none), which is how {@code kafka-transactions.sh find-hanging} spots hanging
 * transactions. Unknown partitions get UNKNOWN_TOPIC_OR_PARTITION, partitions not led here NOT_LEADER_OR_FOLLOWER,
 * those of a topic the principal may not READ TOPIC_AUTHORIZATION_FAILED (Kafka's check).
 */
public final class DescribeProducersHandler implements ApiHandler {
    private final TopicAdmin admin;
    private final ReplicaManager replicas;

    public DescribeProducersHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        for (Struct t : request.getStructs("Topics")) {
            String name = t.getString("Name");
            TopicImage topic = admin.image().topic(name);
            Struct tr = response.child("Topics").set("Name", name);
            response.add("Topics", tr);
            boolean readable = ctx.authorized(AclOperation.READ, AclResourceType.TOPIC, name);
            for (Integer index : t.<Integer>getList("PartitionIndexes")) {
                Struct pr = tr.child("Partitions").set("PartitionIndex", index).set("ErrorMessage", null);
                tr.add("Partitions", pr);
                if (!readable) {
                    pr.set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                Partition p = topic == null ? null : replicas.partition(new TopicPartition(name, index));
                if (p == null || !p.isLeader()) {
                    Errors e = topic == null || topic.partition(index) == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                            : Errors.NOT_LEADER_OR_FOLLOWER;
                    pr.set("ErrorCode", e.code());
                    continue;
                }
                pr.set("ErrorCode", Errors.NONE.code());
                for (ProducerStateManager.ProducerInfo info : p.log().activeProducers()) {
                    pr.add("ActiveProducers", pr.child("ActiveProducers").set("ProducerId", info.producerId())
                            .set("ProducerEpoch", (int) info.epoch()).set("LastSequence", info.lastSequence())
                            .set("LastTimestamp", info.lastTimestamp()).set("CoordinatorEpoch", info.coordinatorEpoch())
                            .set("CurrentTxnStartOffset", info.currentTxnStartOffset()));
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
