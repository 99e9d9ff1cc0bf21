package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.LogAppendResult;
import io.fjord.storage.ProducerStateException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WriteTxnMarkers (v1-2), from a transaction coordinator: for each producer, append a COMMIT or ABORT control batch
 * to each listed partition this broker leads, and answer each partition once the marker is replicated to the ISR
 * (the high watermark passed it), as Kafka appends markers with acks=all.
 *
 * <p>Per partition: an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION, one not led here
 * NOT_LEADER_OR_FOLLOWER, an ISR below {@code min.insync.replicas} NOT_ENOUGH_REPLICAS (nothing appended); the
 * producer-state checks give INVALID_PRODUCER_EPOCH (an older epoch; with TransactionVersion 2 an epoch not above
 * the current one, unless the transaction already ended: a retried marker) or TRANSACTION_COORDINATOR_FENCED (an
 * older coordinator epoch). A producer with nothing open on the partition still gets its marker written, as Kafka
 * does; it ends no transaction. Not replicated within {@value #REPLICATION_TIMEOUT_MS} ms: REQUEST_TIMED_OUT;
 * leadership lost meanwhile: NOT_LEADER_OR_FOLLOWER. The coordinator retries until every partition succeeds.
 *
 * <p>For {@code __consumer_offsets} partitions the group coordinator is told, once the marker is replicated, that
 * the producer's transactional offset commits there commit or abort
 * ({@link GroupCoordinator#completeTransaction}).
 */
public final class WriteTxnMarkersHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(WriteTxnMarkersHandler.class);
    /** Kafka waits the broker's {@code request.timeout.ms} (30 s by default) for the ISR. */
    static final long REPLICATION_TIMEOUT_MS = 30_000;

    private final TopicAdmin admin;
    private final ReplicaManager replicas;
    private final GroupCoordinator groups;

    public WriteTxnMarkersHandler(TopicAdmin admin, ReplicaManager replicas, GroupCoordinator groups) {
        this.admin = admin;
        this.replicas = replicas;
        this.groups = groups;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (Struct marker : request.getStructs("Markers")) {
            long pid = marker.getLong("ProducerId");
            short epoch = marker.getShort("ProducerEpoch");
            boolean commit = marker.getBool("TransactionResult");
            int coordinatorEpoch = marker.getInt("CoordinatorEpoch");
            int transactionVersion = ctx.version() >= 2 ? marker.getByte("TransactionVersion") : 0;
            Struct mr = response.child("Markers").set("ProducerId", pid);
            response.add("Markers", mr);
            for (Struct t : marker.getStructs("Topics")) {
                String name = t.getString("Name");
                Struct tr = mr.child("Topics").set("Name", name);
                mr.add("Topics", tr);
                TopicImage topic = admin.image().topic(name);
                for (Integer index : t.<Integer>getList("PartitionIndexes")) {
                    Struct pr = tr.child("Partitions").set("PartitionIndex", index);
                    tr.add("Partitions", pr);
                    CompletableFuture<Void> w = writeOne(topic, name, index, pid, epoch, commit, coordinatorEpoch,
                            transactionVersion, pr);
                    if (w != null) waits.add(w);
                }
            }
        }
        return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).thenApply(x -> response);
    }

    /** Appends one partition's marker; returns what to wait for (replication), or null when answered already. */
    private CompletableFuture<Void> writeOne(TopicImage topic, String name, int index, long pid, short epoch,
                                             boolean commit, int coordinatorEpoch, int transactionVersion, Struct pr) {
        Partition partition = topic == null ? null : replicas.partition(new TopicPartition(name, index));
        if (partition == null || !partition.isLeader()) {
            pr.set("ErrorCode", (topic == null || topic.partition(index) == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                    : Errors.NOT_LEADER_OR_FOLLOWER).code());
            return null;
        }
        int minIsr = Integer.parseInt(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "min.insync.replicas"));
        if (partition.inSyncReplicaCount() < minIsr) {
            pr.set("ErrorCode", Errors.NOT_ENOUGH_REPLICAS.code());
            return null;
        }
        LogAppendResult r;
        try {
            r = replicas.appendMarkerAsLeader(partition, pid, epoch, commit, coordinatorEpoch, transactionVersion);
        } catch (Partition.NotLeaderException e) {
            pr.set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code());
            return null;
        } catch (ProducerStateException e) {
            log.info("{} marker for producer {} epoch {} refused on {}: {}", commit ? "COMMIT" : "ABORT", pid, epoch,
                    partition.topicPartition(), e.getMessage());
            pr.set("ErrorCode", e.error().code());
            return null;
        } catch (RuntimeException e) {
            log.error("marker append to {} failed", partition.topicPartition(), e);
            pr.set("ErrorCode", Errors.KAFKA_STORAGE_ERROR.code());
            return null;
        }
        return replicas.awaitHighWatermark(partition, r.lastOffset() + 1, REPLICATION_TIMEOUT_MS).handle((x, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
            if (cause == null) {
                pr.set("ErrorCode", Errors.NONE.code());
            } else if (cause instanceof TimeoutException) {
                pr.set("ErrorCode", Errors.REQUEST_TIMED_OUT.code());
            } else {
                pr.set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code());
            }
            return cause == null;
        }).thenCompose(replicated -> {
            if (!replicated || !name.equals(GroupCoordinator.TOPIC) || groups == null) return CompletableFuture.completedFuture(null);
            // The producer's transactional offsets there become visible or are dropped; until the group shard has
            // done it the marker is not done (a failure, e.g. NOT_COORDINATOR, makes the coordinator send it again).
            return groups.completeTransaction(index, pid, epoch, commit).handle((v, e) -> {
                if (e != null) {
                    Errors err = io.fjord.broker.coordinator.CoordinatorException.errorOf(e);
                    pr.set("ErrorCode", (err == null || err == Errors.NONE ? Errors.NOT_COORDINATOR : err).code());
                }
                return null;
            });
        });
    }
}
