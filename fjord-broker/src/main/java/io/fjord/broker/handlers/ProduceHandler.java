package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.broker.replica.DelayedOperationPurgatory;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.record.BatchValidator;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Records;
import io.fjord.protocol.types.Struct;
import io.fjord.storage.LogAppendResult;
import io.fjord.storage.ProducerStateException;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce (v3-13): per partition, validate the one record batch (magic 2, whole, CRC-32C), check acks and
 * {@code min.insync.replicas} (against the committed ISR, before anything is appended), stamp the append time for
 * LogAppendTime topics, and append the bytes as received (the partition stamps its leader epoch). acks=1 is
 * answered after the leader's append; acks=all once the high watermark covers the batch — every in-sync replica
 * has it — waiting in the produce purgatory up to the request's {@code TimeoutMs} (then REQUEST_TIMED_OUT), or
 * NOT_LEADER_OR_FOLLOWER if leadership moves first. acks=0 gets no response at all. With
 * {@code fjord.log.fsync.on.ack} acks=1 and acks=all answers also wait for the group commit to force the leader's
 * .log past the batch (the flusher thread completes that; the answer is written from the connection's event loop).
 *
 * <p>Transactional batches (attribute bit 4, with a producer id) are appended like idempotent ones; the partition's
 * producer state opens the producer's transaction there and refuses an older epoch (INVALID_PRODUCER_EPOCH, what
 * Kafka answers since 2.7 so the producer can abort and retry) or a plain write while a transaction is open
 * (INVALID_TXN_STATE). Whether the partition was added to the transaction (KIP-890 part 1, AddPartitionsToTxn
 * verification at the coordinator) is asked of the {@link TransactionVerifier}, which accepts everything until the
 * transaction coordinator installs one.
 */
public final class ProduceHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);
    private static final UUID ZERO = new UUID(0, 0);

    private final TopicAdmin admin;
    private final ReplicaManager replicas;
    private volatile TransactionVerifier verifier = TransactionVerifier.ACCEPT_ALL;

    /**
     * KIP-890 part 1 seam: may a transactional batch of {@code producerId}/{@code producerEpoch} go to {@code tp}?
     * Returns NONE, or the partition's error (e.g. INVALID_TXN_STATE when the partition is not in the transaction).
     */
    @FunctionalInterface
    public interface TransactionVerifier {
        TransactionVerifier ACCEPT_ALL = (transactionalId, producerId, producerEpoch, tp) -> Errors.NONE;

        Errors verify(String transactionalId, long producerId, short producerEpoch, TopicPartition tp);
    }

    public ProduceHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    /** Installs the transaction coordinator's verification (see {@link TransactionVerifier}). */
    public void setTransactionVerifier(TransactionVerifier verifier) {
        this.verifier = verifier;
    }

    /** An acks=all append waiting for the high watermark to pass {@code requiredOffset}. */
    private record PendingAck(Partition partition, int leaderEpoch, long requiredOffset, int minIsr, Struct response) {
        /** The error to answer with once resolved, or null while still waiting. */
        Errors outcome() {
            if (!partition.isLeader() || partition.leaderEpoch() != leaderEpoch) return Errors.NOT_LEADER_OR_FOLLOWER;
            if (partition.highWatermark() < requiredOffset) return null;
            // The write is replicated to the whole ISR; if the ISR shrank meanwhile below the minimum, say so.
            return partition.inSyncReplicaCount() < minIsr ? Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND : Errors.NONE;
        }
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        short acks = request.getShort("Acks");
        Struct response = ctx.spec().newResponse();
        java.util.List<CompletableFuture<Void>> durable = new java.util.ArrayList<>();
        java.util.List<PendingAck> pending = new java.util.ArrayList<>();
        // ACLs (Kafka's checks): a transactional write needs TRANSACTIONAL_ID Write, every topic TOPIC Write.
        String txnId = v >= 3 ? request.getString("TransactionalId") : null;
        boolean txnRefused = txnId != null && !ctx.authorized(AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, txnId);
        for (Struct td : request.getStructs("TopicData")) {
            String name = td.getString("Name");
            UUID id = v >= 13 ? td.getUuid("TopicId") : ZERO;
            TopicImage topic = v >= 13 ? admin.image().topic(id) : admin.image().topic(name);
            Struct tr = response.child("Responses").set("Name", v >= 13 ? "" : name);
            if (v >= 13) tr.set("TopicId", id);
            response.add("Responses", tr);
            for (Struct pd : td.getStructs("PartitionData")) {
                int index = pd.getInt("Index");
                Struct pr = tr.child("PartitionResponses").set("Index", index).set("BaseOffset", -1L)
                        .set("LogAppendTimeMs", -1L).set("LogStartOffset", -1L);
                tr.add("PartitionResponses", pr);
                Errors unknown = v >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                if (txnRefused) {
                    pr.set("ErrorCode", Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
                    continue;
                }
                String topicName = topic != null ? topic.name() : (v >= 13 ? null : name);
                if (topicName != null && !ctx.authorized(AclOperation.WRITE, AclResourceType.TOPIC, topicName)) {
                    pr.set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (topic == null) {
                    pr.set("ErrorCode", unknown.code());
                    continue;
                }
                Partition partition = replicas.partition(new TopicPartition(topic.name(), index));
                if (partition == null || !replicas.isLeader(partition)) {
                    pr.set("ErrorCode", (topic.partition(index) == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                            : Errors.NOT_LEADER_OR_FOLLOWER).code());
                    continue;
                }
                if (acks != 0 && acks != 1 && acks != -1) {
                    pr.set("ErrorCode", Errors.INVALID_REQUIRED_ACKS.code());
                    continue;
                }
                String transactionalId = v >= 3 ? request.getString("TransactionalId") : null;
                PendingAck ack = appendOne(topic, partition, pd.getRecords("Records"), acks, v, pr, durable, transactionalId);
                if (ack != null) pending.add(ack);
            }
        }
        CompletableFuture<Struct> replicated = new CompletableFuture<>();
        if (pending.isEmpty() || pending.stream().allMatch(a -> resolve(a))) {
            replicated.complete(response);
        } else {
            java.util.List<TopicPartition> watch = new java.util.ArrayList<>();
            for (PendingAck a : pending) watch.add(a.partition().topicPartition());
            replicas.producePurgatory().park(new DelayedOperationPurgatory.DelayedOperation() {
                @Override
                public boolean isSatisfied() {
                    for (PendingAck a : pending) if (a.outcome() == null) return false;
                    return true;
                }

                @Override
                public void complete() {
                    for (PendingAck a : pending) {
                        if (!resolve(a)) {
                            a.response().set("ErrorCode", Errors.REQUEST_TIMED_OUT.code()).set("ErrorMessage",
                                    "Not replicated to the in-sync replicas within the request timeout");
                        }
                    }
                    replicated.complete(response);
                }
            }, watch, Math.max(0, request.getInt("TimeoutMs")));
        }
        if (!durable.isEmpty()) { // fjord.log.fsync.on.ack: answer once the group commit covered every append
            CompletableFuture<Void> fsynced = CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new));
            return replicated.thenCombine(fsynced.handle((x, e) -> null), (r, x) -> r);
        }
        return acks == 0 ? replicated.thenApply(r -> null) : replicated;
    }

    /** Sets the partition's answer if its acks=all wait is over; true if it was. */
    private static boolean resolve(PendingAck a) {
        Errors e = a.outcome();
        if (e == null) return false;
        if (e != Errors.NONE) {
            a.response().set("ErrorCode", e.code()).set("BaseOffset", -1L).set("ErrorMessage",
                    e == Errors.NOT_LEADER_OR_FOLLOWER ? "Leadership moved before the write was replicated"
                            : "The in-sync set shrank below min.insync.replicas after the append");
        }
        return true;
    }

    /**
     * Appends one partition's batch. For acks=all returns what to wait for (the high watermark passing the batch);
     * adds the fsync-on-ack future to {@code durable} when there is one.
     */
    private PendingAck appendOne(TopicImage topic, Partition partition, Records records, short acks, short version, Struct pr,
                                 java.util.List<CompletableFuture<Void>> durable, String transactionalId) {
        if (!(records instanceof MemoryRecords mem) || records.sizeInBytes() == 0) {
            pr.set("ErrorCode", Errors.INVALID_RECORD.code()).set("ErrorMessage", "No record batch in the request");
            return null;
        }
        ByteBuffer buf = mem.buffer();
        BatchValidator.Result valid = BatchValidator.validateProduce(buf, version);
        if (!valid.isOk()) {
            pr.set("ErrorCode", valid.error().code()).set("ErrorMessage", valid.message());
            return null;
        }
        int maxMessageBytes = Integer.parseInt(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "max.message.bytes"));
        if (buf.remaining() > maxMessageBytes) {
            pr.set("ErrorCode", Errors.MESSAGE_TOO_LARGE.code()).set("ErrorMessage",
                    "The batch is " + buf.remaining() + " bytes, more than max.message.bytes=" + maxMessageBytes);
            return null;
        }
        if (RecordBatch.isTransactional(buf, buf.position())) {
            Errors verified = verifier.verify(transactionalId, RecordBatch.producerId(buf, buf.position()),
                    RecordBatch.producerEpoch(buf, buf.position()), partition.topicPartition());
            if (verified != Errors.NONE) {
                pr.set("ErrorCode", verified.code()).set("ErrorMessage", "The partition is not part of the transaction");
                return null;
            }
        }
        String keyless = compactedTopicKeyCheck(partition, buf);
        if (keyless != null) {
            pr.set("ErrorCode", Errors.INVALID_RECORD.code()).set("ErrorMessage", keyless);
            return null;
        }
        int minIsr = Integer.parseInt(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "min.insync.replicas"));
        if (acks == -1 && partition.inSyncReplicaCount() < minIsr) {
            log.info("produce to {} refused: NOT_ENOUGH_REPLICAS (ISR {} has fewer than min.insync.replicas={})",
                    partition.topicPartition(), partition.state().isr(), minIsr);
            pr.set("ErrorCode", Errors.NOT_ENOUGH_REPLICAS.code()).set("ErrorMessage",
                    "The in-sync set has " + partition.inSyncReplicaCount() + " replica(s), fewer than min.insync.replicas=" + minIsr);
            return null;
        }
        // The request buffer is private to this request, so the header can be stamped in place (the leader epoch
        // is stamped by the partition, under its lock).
        int pos = buf.position();
        long appendTime = -1L;
        if ("LogAppendTime".equals(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "message.timestamp.type"))) {
            appendTime = System.currentTimeMillis();
            stampLogAppendTime(buf, pos, appendTime);
        }
        try {
            int epoch = partition.leaderEpoch();
            LogAppendResult r = replicas.appendAsLeader(partition, buf);
            // A duplicate (retried idempotent batch) is acknowledged with the offsets it got the first time.
            pr.set("ErrorCode", Errors.NONE.code()).set("BaseOffset", r.firstOffset())
                    .set("LogAppendTimeMs", r.isDuplicate() ? -1L : appendTime)
                    .set("LogStartOffset", partition.logStartOffset());
            if (acks == 0) return null; // no answer to hold back
            // fjord.log.fsync.on.ack: acks=1 and acks=all answers wait for the group commit's force of the .log.
            CompletableFuture<Void> d = replicas.awaitDurable(partition, r.lastOffset() + 1).whenComplete((x, e) -> {
                if (e != null) {
                    pr.set("ErrorCode", Errors.KAFKA_STORAGE_ERROR.code()).set("ErrorMessage", "fsync failed: " + e.getMessage());
                }
            });
            if (!d.isDone()) durable.add(d);
            if (acks != -1) return null;
            return new PendingAck(partition, epoch, r.lastOffset() + 1, minIsr, pr);
        } catch (Partition.NotLeaderException e) {
            pr.set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code()).set("ErrorMessage", e.getMessage());
            return null;
        } catch (ProducerStateException e) {
            pr.set("ErrorCode", e.error().code()).set("ErrorMessage", e.getMessage());
            return null;
        } catch (RuntimeException e) {
            log.error("append to {} failed", partition.topicPartition(), e);
            pr.set("ErrorCode", Errors.UNKNOWN_SERVER_ERROR.code()).set("ErrorMessage", "append failed: " + e.getMessage());
            return null;
        }
    }

    private static void stampLogAppendTime(ByteBuffer buf, int pos, long now) {
        short attrs = RecordBatch.attributes(buf, pos);
        buf.putShort(pos + RecordBatch.ATTRIBUTES_OFFSET, (short) (attrs | RecordBatch.TIMESTAMP_TYPE_MASK));
        buf.putLong(pos + RecordBatch.MAX_TIMESTAMP_OFFSET, now);
        buf.putInt(pos + RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(buf, pos));
    }

    /**
     * A compacted topic takes only keyed records (Kafka's rule): the batch is decoded, for such topics only. Returns
     * why the batch is refused, or null.
     */
    private static String compactedTopicKeyCheck(Partition partition, ByteBuffer buf) {
        if (!partition.log().config().compaction().compact()) return null;
        try {
            for (var it = new io.fjord.protocol.record.RecordBatchReader(buf, buf.position()); it.hasNext(); ) {
                if (!it.next().hasKey()) {
                    return "Compacted topic cannot accept message without key in topic partition "
                            + partition.topicPartition() + ".";
                }
            }
        } catch (io.fjord.protocol.record.InvalidRecordException e) {
            return "Invalid record: " + e.getMessage();
        }
        return null;
    }
}
