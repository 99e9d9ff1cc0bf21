package io.fjord.broker.handlers.txn;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.broker.txn.TransactionCoordinator;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * AddPartitionsToTxn (v0-5). v0-3: one producer's transaction, one error for every partition. v4+: a batch of
 * transactions sent by partition leaders (KIP-890): with VerifyOnly each partition is answered by whether it is
 * already in the ongoing transaction (part 1); without it the partitions are added (part 2, transaction version
 * 2 producers, whose leaders add partitions for them). Kafka's checks: v0-3 come from producers and need
 * TRANSACTIONAL_ID Write (else every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and TOPIC Write on each topic
 * (else its partitions TOPIC_AUTHORIZATION_FAILED and the others OPERATION_NOT_ATTEMPTED; nothing is added); v4+
 * come from brokers and need CLUSTER ClusterAction (else CLUSTER_AUTHORIZATION_FAILED for the request).
 */
public final class AddPartitionsToTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    private static List<TopicPartition> partitions(List<Struct> topics) {
        List<TopicPartition> out = new ArrayList<>();
        for (Struct t : topics) {
            for (Object p : t.getList("Partitions")) out.add(new TopicPartition(t.getString("Name"), (Integer) p));
        }
        return out;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        if (ctx.version() <= 3) {
            List<Struct> topics = request.getStructs("V3AndBelowTopics");
            Errors refused = refusedV3(ctx, request.getString("V3AndBelowTransactionalId"), topics);
            if (refused != null) {
                for (Struct t : topics) {
                    Errors forTopic = refused == Errors.TOPIC_AUTHORIZATION_FAILED
                            && ctx.authorized(AclOperation.WRITE, AclResourceType.TOPIC, t.getString("Name")) ? Errors.OPERATION_NOT_ATTEMPTED : refused;
                    response.add("ResultsByTopicV3AndBelow", topicResult(response.child("ResultsByTopicV3AndBelow"), t, forTopic, null));
                }
                return CompletableFuture.completedFuture(response);
            }
            return coordinator.addPartitions(request.getString("V3AndBelowTransactionalId"), request.getLong("V3AndBelowProducerId"),
                    request.getShort("V3AndBelowProducerEpoch"), partitions(topics), false).thenApply(e -> {
                        for (Struct t : topics) response.add("ResultsByTopicV3AndBelow", topicResult(response.child("ResultsByTopicV3AndBelow"), t, e, null));
                        return response;
                    });
        }
        if (!ctx.authorized(AclOperation.CLUSTER_ACTION, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)) {
            return CompletableFuture.completedFuture(response.set("ErrorCode", Errors.CLUSTER_AUTHORIZATION_FAILED.code()));
        }
        List<CompletableFuture<Struct>> parts = new ArrayList<>();
        for (Struct txn : request.getStructs("Transactions")) {
            String id = txn.getString("TransactionalId");
            List<Struct> topics = txn.getStructs("Topics");
            List<TopicPartition> tps = partitions(topics);
            long pid = txn.getLong("ProducerId");
            short epoch = txn.getShort("ProducerEpoch");
            CompletableFuture<Map<TopicPartition, Errors>> result = txn.getBool("VerifyOnly")
                    ? coordinator.verifyPartitions(id, pid, epoch, tps)
                    : coordinator.addPartitions(id, pid, epoch, tps, true).thenApply(e -> {
                        Map<TopicPartition, Errors> m = new java.util.HashMap<>();
                        for (TopicPartition tp : tps) m.put(tp, e);
                        return m;
                    });
            parts.add(result.thenApply(m -> {
                Struct r = response.child("ResultsByTransaction").set("TransactionalId", id);
                for (Struct t : topics) r.add("TopicResults", topicResult(r.child("TopicResults"), t, null, m));
                return r;
            }));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            for (CompletableFuture<Struct> f : parts) response.add("ResultsByTransaction", f.join());
            return response.set("ErrorCode", Errors.NONE.code());
        });
    }

    /** The error a producer's (v0-3) request is refused with, or null when it may go ahead. */
    private static Errors refusedV3(RequestContext ctx, String transactionalId, List<Struct> topics) {
        if (!ctx.authorized(AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, transactionalId)) return Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        for (Struct t : topics) {
            if (!ctx.authorized(AclOperation.WRITE, AclResourceType.TOPIC, t.getString("Name"))) return Errors.TOPIC_AUTHORIZATION_FAILED;
        }
        return null;
    }

    private static Struct topicResult(Struct out, Struct topic, Errors all, Map<TopicPartition, Errors> each) {
        String name = topic.getString("Name");
        out.set("Name", name);
        for (Object p : topic.getList("Partitions")) {
            int idx = (Integer) p;
            Errors e = all != null ? all : each.getOrDefault(new TopicPartition(name, idx), Errors.UNKNOWN_SERVER_ERROR);
            out.add("ResultsByPartition", out.child("ResultsByPartition").set("PartitionIndex", idx).set("PartitionErrorCode", e.code()));
        }
        return out;
    }
}
