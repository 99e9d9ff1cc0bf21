package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.config.TopicConfigs;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
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
 * {@code min.insync.replicas}, stamp the leader epoch (and the append time for LogAppendTime topics), and append
 * the bytes as received. acks=0 gets no response at all.
 */
public final class ProduceHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);
    private static final UUID ZERO = new UUID(0, 0);

    private final TopicAdmin admin;
    private final ReplicaManager replicas;

    public ProduceHandler(TopicAdmin admin, ReplicaManager replicas) {
        this.admin = admin;
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        short acks = request.getShort("Acks");
        Struct response = ctx.spec().newResponse();
        java.util.List<CompletableFuture<Void>> durable = new java.util.ArrayList<>();
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
                CompletableFuture<Void> d = appendOne(topic, partition, pd.getRecords("Records"), acks, v, pr);
                if (d != null && !d.isDone()) durable.add(d);
            }
        }
        if (!durable.isEmpty()) { // fjord.log.fsync.on.ack: answer once the group commit covered every append
            return CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new)).handle((x, e) -> response);
        }
        return CompletableFuture.completedFuture(acks == 0 ? null : response);
    }

    /** Appends one partition's batch; returns the durability future for acks=all (null if nothing to wait for). */
    private CompletableFuture<Void> appendOne(TopicImage topic, Partition partition, Records records, short acks, short version, Struct pr) {
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
        String keyless = compactedTopicKeyCheck(partition, buf);
        if (keyless != null) {
            pr.set("ErrorCode", Errors.INVALID_RECORD.code()).set("ErrorMessage", keyless);
            return null;
        }
        int minIsr = Integer.parseInt(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "min.insync.replicas"));
        if (acks == -1 && partition.inSyncReplicaCount() < minIsr) {
            pr.set("ErrorCode", Errors.NOT_ENOUGH_REPLICAS.code()).set("ErrorMessage",
                    "The in-sync set has " + partition.inSyncReplicaCount() + " replica(s), fewer than min.insync.replicas=" + minIsr);
            return null;
        }
        // The request buffer is private to this request, so the header can be stamped in place.
        int pos = buf.position();
        RecordBatch.setPartitionLeaderEpoch(buf, pos, partition.leaderEpoch());
        long appendTime = -1L;
        if ("LogAppendTime".equals(TopicConfigs.get(topic.configs(), admin.brokerConfig(), "message.timestamp.type"))) {
            appendTime = System.currentTimeMillis();
            stampLogAppendTime(buf, pos, appendTime);
        }
        try {
            LogAppendResult r = replicas.appendAsLeader(partition, buf);
            // A duplicate (retried idempotent batch) is acknowledged with the offsets it got the first time.
            pr.set("ErrorCode", Errors.NONE.code()).set("BaseOffset", r.firstOffset())
                    .set("LogAppendTimeMs", r.isDuplicate() ? -1L : appendTime)
                    .set("LogStartOffset", partition.logStartOffset());
            if (acks != -1) return null;
            return replicas.awaitDurable(partition, r.lastOffset() + 1).whenComplete((x, e) -> {
                if (e != null) {
                    pr.set("ErrorCode", Errors.KAFKA_STORAGE_ERROR.code()).set("ErrorMessage", "fsync failed: " + e.getMessage());
                }
            });
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
