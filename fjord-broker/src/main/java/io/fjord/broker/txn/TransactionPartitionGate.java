package io.fjord.broker.txn;

import io.fjord.broker.replica.TopicPartition;
import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Node;
import io.fjord.client.network.NetworkClient;
import io.fjord.metadata.BrokerNode;
import io.fjord.protocol.api.AddPartitionsToTxnApi;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The produce path's seam to the transaction coordinator (KIP-890): before a partition leader appends a
 * producer's transactional batch it asks the producer's coordinator — this broker or another, reached with
 * AddPartitionsToTxn v5 over Fjord's network client — either to verify that the partition is in the ongoing
 * transaction (VerifyOnly, part 1: a late write of a finished transaction is refused) or, for transaction version
 * 2 producers, to add it (part 2: server-side partition addition). The answer is the error the produce should
 * get (NONE to append).
 *
 * <p>Thread-safe.
 */
public final class TransactionPartitionGate implements AutoCloseable {
    private final TransactionCoordinator coordinator;
    private final int localBrokerId;
    private final NetworkClient client;

    /** @param security the inter-broker listener's client settings (security.protocol, ssl.*, sasl.*) */
    TransactionPartitionGate(TransactionCoordinator coordinator, int localBrokerId, String bootstrap, long requestTimeoutMs,
                             Map<String, Object> security) {
        this.coordinator = coordinator;
        this.localBrokerId = localBrokerId;
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", bootstrap);
        cfg.put("client.id", "fjord-txn-partition-gate");
        cfg.put("request.timeout.ms", requestTimeoutMs);
        cfg.put("reconnect.backoff.ms", 50L);
        cfg.put("reconnect.backoff.max.ms", 1000L);
        cfg.putAll(security); // the inter-broker listener's protocol and login, as the replica fetchers use
        this.client = new NetworkClient(new ClientConfig(cfg), "fjord-txn-gate-io");
    }

    /**
     * @param add true: add the partition (TV2 producer); false: only verify it was added by the producer
     * @return the error the produce of this batch should answer with
     */
    public CompletableFuture<Errors> admit(String transactionalId, long producerId, short producerEpoch, TopicPartition tp, boolean add) {
        TransactionCoordinator.Coordinator c = coordinator.findCoordinator(transactionalId);
        if (c.error() != Errors.NONE) return CompletableFuture.completedFuture(Errors.NOT_ENOUGH_REPLICAS); // retriable
        if (c.node().id() == localBrokerId) {
            return add ? coordinator.addPartitions(transactionalId, producerId, producerEpoch, List.of(tp), true)
                    : coordinator.verifyPartitions(transactionalId, producerId, producerEpoch, List.of(tp))
                            .thenApply(m -> m.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR));
        }
        BrokerNode n = c.node();
        client.updateNodes(List.of(new Node(n.id(), n.host(), n.port(), n.rack())));
        return client.send(n.id(), AddPartitionsToTxnApi.SPEC, AddPartitionsToTxnApi.SPEC.highest(),
                        v -> request(transactionalId, producerId, producerEpoch, tp, !add), true, -1)
                .thenApply(r -> {
                    Struct body = r.body();
                    Errors top = Errors.forCode(body.getShort("ErrorCode"));
                    // This broker may not act for the cluster there: the batch cannot be verified (as Kafka answers).
                    if (top == Errors.CLUSTER_AUTHORIZATION_FAILED) return Errors.INVALID_TXN_STATE;
                    if (top != Errors.NONE) return top == null ? Errors.UNKNOWN_SERVER_ERROR : top;
                    for (Struct txn : body.getStructs("ResultsByTransaction")) {
                        for (Struct t : txn.getStructs("TopicResults")) {
                            for (Struct p : t.getStructs("ResultsByPartition")) {
                                if (t.getString("Name").equals(tp.topic()) && p.getInt("PartitionIndex") == tp.partition()) {
                                    Errors e = Errors.forCode(p.getShort("PartitionErrorCode"));
                                    return e == null ? Errors.UNKNOWN_SERVER_ERROR : e;
                                }
                            }
                        }
                    }
                    return Errors.UNKNOWN_SERVER_ERROR;
                })
                .exceptionally(e -> Errors.NOT_ENOUGH_REPLICAS); // coordinator unreachable: the producer retries
    }

    private static Struct request(String id, long pid, short epoch, TopicPartition tp, boolean verifyOnly) {
        Struct req = new Struct(AddPartitionsToTxnApi.REQUEST);
        Struct txn = req.child("Transactions").set("TransactionalId", id).set("ProducerId", pid).set("ProducerEpoch", epoch)
                .set("VerifyOnly", verifyOnly);
        txn.add("Topics", txn.child("Topics").set("Name", tp.topic()).set("Partitions", List.of(tp.partition())));
        return req.add("Transactions", txn);
    }

    @Override
    public void close() {
        client.close();
    }
}
