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
import io.fjord.storage.ProducerStateManager;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
    private volatile Executor continuation = Runnable::run;

    /**
     * The transaction coordinator's side of KIP-890, asked before a transactional batch opens its producer's
     * transaction on a partition: {@code add} false verifies that the producer added the partition (part 1), true
     * adds it (part 2, Produce v12+ from a transaction version 2 producer). Completes with NONE or the coordinator's
     * error for the partition; may complete on any thread.
     */
    @FunctionalInterface
    public interface TransactionVerifier {
        TransactionVerifier ACCEPT_ALL = (transactionalId, producerId, producerEpoch, tp, add) ->
                CompletableFuture.completedFuture(Errors.NONE);

        CompletableFuture<Errors> verify(String transactionalId, long producerId, short producerEpoch, TopicPartition tp, boolean add);
    }

    public ProduceHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    /**
     * Installs the transaction coordinator's verification (see {@link TransactionVerifier}); appends that waited for
     * it continue on {@code continuation} (not the thread that completed the verification: that may be a network
     * client's or the coordinator's), and so do appends that fsync ({@code flush.messages}), which must not hold up
     * the network thread an inline produce runs on.
     */
    public void setTransactionVerifier(TransactionVerifier verifier, Executor continuation) {
        this.continuation = continuation;
        this.verifier = verifier;
    }

    /** A partition's append: the acks=all wait (null if none) and the fsync-on-ack future (null if none). */
    private record Appended(PendingAck ack, CompletableFuture<Void> durable) {
        static final Appended NOTHING = new Appended(null, null);
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
        java.util.List<CompletableFuture<Appended>> appends = new java.util.ArrayList<>();
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
                appends.add(appendOne(topic, partition, pd.getRecords("Records"), acks, v, pr, txnId));
            }
        }
        // Transactional batches verified with the coordinator append once it answered; the rest already did.
        CompletableFuture<Struct> answer = CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new))
                .thenCompose(x -> {
                    java.util.List<PendingAck> pending = new java.util.ArrayList<>();
                    java.util.List<CompletableFuture<Void>> durable = new java.util.ArrayList<>();
                    for (CompletableFuture<Appended> f : appends) {
                        Appended a = f.join();
                        if (a.ack() != null) pending.add(a.ack());
                        if (a.durable() != null) durable.add(a.durable());
                    }
                    return awaitReplication(request, response, pending, durable);
                });
        return acks == 0 ? answer.thenApply(r -> null) : answer;
    }

    /** Answers once every acks=all append is replicated (or timed out) and every fsync-on-ack append is durable. */
    private CompletableFuture<Struct> awaitReplication(Struct request, Struct response, java.util.List<PendingAck> pending,
                                                       java.util.List<CompletableFuture<Void>> durable) {
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
        return replicated;
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
     * Appends one partition's batch, after verifying it with the transaction coordinator if it would open its
     * producer's transaction here (KIP-890). Completes with what acks=all waits for (the high watermark passing the
     * batch) and the fsync-on-ack future.
     */
    private CompletableFuture<Appended> appendOne(TopicImage topic, Partition partition, Records records, short acks,
                                                  short version, Struct pr, String transactionalId) {
        if (!(records instanceof MemoryRecords mem) || records.sizeInBytes() == 0) {
            pr.set("ErrorCode", Errors.INVALID_RECORD.code()).set("ErrorMessage", "No record batch in the request");
            return DONE;
        }
        ByteBuffer buf = mem.buffer();
        BatchValidator.Result valid = BatchValidator.validateProduce(buf, version);
        if (!valid.isOk()) {
            pr.set("ErrorCode", valid.error().code()).set("ErrorMessage", valid.message());
            return DONE;
        }
        int maxMessageBytes = Integer.parseInt(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "max.message.bytes"));
        if (buf.remaining() > maxMessageBytes) {
            pr.set("ErrorCode", Errors.MESSAGE_TOO_LARGE.code()).set("ErrorMessage",
                    "The batch is " + buf.remaining() + " bytes, more than max.message.bytes=" + maxMessageBytes);
            return DONE;
        }
        String keyless = compactedTopicKeyCheck(partition, buf);
        if (keyless != null) {
            pr.set("ErrorCode", Errors.INVALID_RECORD.code()).set("ErrorMessage", keyless);
            return DONE;
        }
        int minIsr = Integer.parseInt(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "min.insync.replicas"));
        if (acks == -1 && partition.inSyncReplicaCount() < minIsr) {
            log.info("produce to {} refused: NOT_ENOUGH_REPLICAS (ISR {} has fewer than min.insync.replicas={})",
                    partition.topicPartition(), partition.state().isr(), minIsr);
            pr.set("ErrorCode", Errors.NOT_ENOUGH_REPLICAS.code()).set("ErrorMessage",
                    "The in-sync set has " + partition.inSyncReplicaCount() + " replica(s), fewer than min.insync.replicas=" + minIsr);
            return DONE;
        }
        int pos = buf.position();
        if (transactionalId != null && RecordBatch.isTransactional(buf, pos)) {
            long pid = RecordBatch.producerId(buf, pos);
            short epoch = RecordBatch.producerEpoch(buf, pos);
            // Produce v12+ comes from a transaction version 2 producer, which leaves adding partitions to the leader.
            boolean add = version >= 12;
            boolean verify = add || Boolean.parseBoolean(admin.brokerConfig().get("transaction.partition.verification.enable"));
            // Only a batch that would open the producer's transaction here needs the coordinator: once it is open,
            // the partition's producer state is the cache (a marker closes it, so the next transaction asks again).
            if (verify && !partition.log().hasOngoingTransaction(pid, epoch)) {
                long guard = partition.log().verificationGuard(pid);
                Executor next = continuation;
                return verifier.verify(transactionalId, pid, epoch, partition.topicPartition(), add)
                        .exceptionally(e -> Errors.NOT_ENOUGH_REPLICAS)
                        .thenApplyAsync(error -> {
                            Errors e = forProduce(error, version);
                            if (e != Errors.NONE) {
                                pr.set("ErrorCode", e.code()).set("ErrorMessage", error == Errors.INVALID_TXN_STATE
                                        ? "Partition was not added to the transaction"
                                        : "Unable to verify the partition with the transaction coordinator: " + error);
                                return Appended.NOTHING;
                            }
                            return append(topic, partition, buf, acks, pr, guard);
                        }, next);
            }
        }
        if (partition.log().config().flushMessages() != Long.MAX_VALUE) {
            // flush.messages fsyncs inside the append: that wait belongs on the request pool, not on the network
            // thread this handler may run on (fjord.network.inline.apis).
            return CompletableFuture.supplyAsync(() -> append(topic, partition, buf, acks, pr, ProducerStateManager.NO_GUARD),
                    continuation);
        }
        return CompletableFuture.completedFuture(append(topic, partition, buf, acks, pr, ProducerStateManager.NO_GUARD));
    }

    private static final CompletableFuture<Appended> DONE = CompletableFuture.completedFuture(Appended.NOTHING);

    /**
     * The produce error for a coordinator's verification answer (Kafka's translation): PRODUCER_FENCED becomes
     * INVALID_PRODUCER_EPOCH (abortable, as for a fenced partition write); the coordinator's retriable errors
     * become NOT_ENOUGH_REPLICAS, which every producer retries without refreshing metadata; TRANSACTION_ABORTABLE,
     * unknown to producers before Produce v11, becomes INVALID_TXN_STATE for them.
     */
    static Errors forProduce(Errors coordinatorError, short produceVersion) {
        return switch (coordinatorError) {
            case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH;
            case CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
                 NOT_COORDINATOR, REQUEST_TIMED_OUT -> Errors.NOT_ENOUGH_REPLICAS;
            case TRANSACTION_ABORTABLE -> produceVersion >= 11 ? Errors.TRANSACTION_ABORTABLE : Errors.INVALID_TXN_STATE;
            default -> coordinatorError;
        };
    }

    /** The append proper: stamps the append time if the topic wants it, appends, and says what to wait for. */
    private Appended append(TopicImage topic, Partition partition, ByteBuffer buf, short acks, Struct pr, long verificationGuard) {
        int minIsr = Integer.parseInt(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "min.insync.replicas"));
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
            LogAppendResult r = replicas.appendAsLeader(partition, buf, verificationGuard);
            // A duplicate (retried idempotent batch) is acknowledged with the offsets it got the first time.
            pr.set("ErrorCode", Errors.NONE.code()).set("BaseOffset", r.firstOffset())
                    .set("LogAppendTimeMs", r.isDuplicate() ? -1L : appendTime)
                    .set("LogStartOffset", partition.logStartOffset());
            if (acks == 0) return Appended.NOTHING; // no answer to hold back
            // fjord.log.fsync.on.ack: acks=1 and acks=all answers wait for the group commit's force of the .log.
            CompletableFuture<Void> d = replicas.awaitDurable(partition, r.lastOffset() + 1).whenComplete((x, e) -> {
                if (e != null) {
                    pr.set("ErrorCode", Errors.KAFKA_STORAGE_ERROR.code()).set("ErrorMessage", "fsync failed: " + e.getMessage());
                }
            });
            CompletableFuture<Void> wait = d.isDone() ? null : d;
            if (acks != -1) return new Appended(null, wait);
            return new Appended(new PendingAck(partition, epoch, r.lastOffset() + 1, minIsr, pr), wait);
        } catch (Partition.NotLeaderException e) {
            pr.set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code()).set("ErrorMessage", e.getMessage());
        } catch (ProducerStateException e) {
            pr.set("ErrorCode", e.error().code()).set("ErrorMessage", e.getMessage());
        } catch (RuntimeException e) {
            log.error("append to {} failed", partition.topicPartition(), e);
            pr.set("ErrorCode", Errors.UNKNOWN_SERVER_ERROR.code()).set("ErrorMessage", "append failed: " + e.getMessage());
        }
        return Appended.NOTHING;
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
