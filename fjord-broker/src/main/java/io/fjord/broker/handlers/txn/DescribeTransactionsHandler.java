package io.fjord.broker.handlers.txn;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.broker.txn.TransactionCoordinator;
import io.fjord.broker.txn.TransactionMetadata;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeTransactions (v0): each id's state at this coordinator (NOT_COORDINATOR for ids coordinated elsewhere,
 * TRANSACTIONAL_ID_NOT_FOUND for unknown ones), as {@code kafka-transactions.sh describe} shows it. Kafka's
 * checks: TRANSACTIONAL_ID Describe per id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), and the partitions listed
 * are only those of topics the principal may DESCRIBE.
 */
public final class DescribeTransactionsHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;

    public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        List<CompletableFuture<Struct>> parts = new ArrayList<>();
        for (Object o : request.getList("TransactionalIds")) {
            String id = (String) o;
            if (!ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TRANSACTIONAL_ID, id)) {
                parts.add(CompletableFuture.completedFuture(response.child("TransactionStates").set("TransactionalId", id)
                        .set("ErrorCode", io.fjord.protocol.api.Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())));
                continue;
            }
            parts.add(coordinator.describe(id).thenApply(d -> {
                Struct s = response.child("TransactionStates").set("TransactionalId", id).set("ErrorCode", d.error().code());
                TransactionMetadata m = d.metadata();
                if (m == null) return s;
                s.set("TransactionState", m.state().kafkaName()).set("TransactionTimeoutMs", m.timeoutMs())
                        .set("TransactionStartTimeMs", m.startMs()).set("ProducerId", m.producerId())
                        .set("ProducerEpoch", m.producerEpoch());
                Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
                for (TopicPartition tp : m.partitions()) {
                    if (ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TOPIC, tp.topic())) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
                }
                byTopic.forEach((t, ps) -> s.add("Topics", s.child("Topics").set("Topic", t).set("Partitions", ps)));
                return s;
            }));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            for (CompletableFuture<Struct> f : parts) response.add("TransactionStates", f.join());
            return response;
        });
    }
}
