package io.fjord.broker.txn;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import io.fjord.protocol.types.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The records of the compacted internal topic {@code __transaction_state}, in Kafka's transaction log layout, so a
 * log written by either reads in the other. A transactional id's records go to partition
 * {@code abs(transactionalId.hashCode()) % transaction.state.log.num.partitions}. Layout (big-endian):
 * <pre>
 * key   = int16 version (0), string TransactionalId
 * value = int16 version (1, flexible: compact strings/arrays, tagged fields) then
 *         int64 ProducerId, int16 ProducerEpoch, int32 TransactionTimeoutMs, int8 TransactionStatus
 *         (the {@link TransactionState} id), nullable array TransactionPartitions of {string Topic,
 *         array int32 PartitionIds}, int64 TransactionLastUpdateTimestampMs, int64 TransactionStartTimestampMs,
 *         tagged: 0 PreviousProducerId (int64, -1), 1 NextProducerId (int64, -1), 2 ClientTransactionVersion
 *         (int16, 0), 3 NextProducerEpoch (int16, -1)
 *         Version 0 (read only): the same without tagged fields, classic encodings.
 *         A null value (tombstone): the transactional id expired.
 * </pre>
 * Stateless and thread-safe.
 */
final class TransactionLogRecords {
    static final String TOPIC = "__transaction_state";
    private static final short KEY_VERSION = 0;
    private static final short VALUE_VERSION = 1;
    private static final Schema KEY = Schema.of(Field.of("TransactionalId", Type.STRING, "0"));
    private static final Schema VALUE = Schema.of(
            Field.of("ProducerId", Type.INT64, "0+"),
            Field.of("PreviousProducerId", Type.INT64, "1+").tagged(0, "1+").defaultsTo(-1L),
            Field.of("NextProducerId", Type.INT64, "1+").tagged(1, "1+").defaultsTo(-1L),
            Field.of("ProducerEpoch", Type.INT16, "0+"),
            Field.of("NextProducerEpoch", Type.INT16, "1+").tagged(3, "1+").defaultsTo((short) -1),
            Field.of("TransactionTimeoutMs", Type.INT32, "0+"),
            Field.of("TransactionStatus", Type.INT8, "0+"),
            Field.structs("TransactionPartitions", "0+",
                    Field.of("Topic", Type.STRING, "0+"),
                    Field.of("PartitionIds", Type.array(Type.INT32), "0+")).nullable("0+"),
            Field.of("TransactionLastUpdateTimestampMs", Type.INT64, "0+"),
            Field.of("TransactionStartTimestampMs", Type.INT64, "0+"),
            Field.of("ClientTransactionVersion", Type.INT16, "1+").tagged(2, "1+").defaultsTo((short) 0));

    private TransactionLogRecords() {
    }

    static int partitionFor(String transactionalId, int partitions) {
        int h = transactionalId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitions;
    }

    static CoordinatorRecord record(TransactionMetadata m) {
        return new CoordinatorRecord(key(m.transactionalId()), m.state() == TransactionState.DEAD ? null : value(m));
    }

    static byte[] key(String transactionalId) {
        ByteBufferWriter w = new ByteBufferWriter(32 + transactionalId.length() * 3);
        w.writeShort(KEY_VERSION);
        KEY.write(w, new Struct(KEY).set("TransactionalId", transactionalId), KEY_VERSION, false);
        return toArray(w);
    }

    static byte[] value(TransactionMetadata m) {
        Struct v = new Struct(VALUE).set("ProducerId", m.producerId()).set("PreviousProducerId", m.previousProducerId())
                .set("NextProducerId", m.nextProducerId()).set("ProducerEpoch", m.producerEpoch())
                .set("NextProducerEpoch", m.nextProducerEpoch()).set("TransactionTimeoutMs", m.timeoutMs())
                .set("TransactionStatus", m.state().id())
                .set("TransactionLastUpdateTimestampMs", m.lastUpdateMs()).set("TransactionStartTimestampMs", m.startMs())
                .set("ClientTransactionVersion", m.clientTransactionVersion());
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : m.partitions()) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        byTopic.forEach((t, ps) -> v.add("TransactionPartitions", v.child("TransactionPartitions").set("Topic", t).set("PartitionIds", ps)));
        ByteBufferWriter w = new ByteBufferWriter(128);
        w.writeShort(VALUE_VERSION);
        VALUE.write(w, v, VALUE_VERSION, true);
        return toArray(w);
    }

    /** The transactional id of a record's key, or null for a key this coordinator does not know. */
    static String decodeKey(byte[] key) {
        ProtocolReader r = new ProtocolReader(ByteBuffer.wrap(key));
        if (r.readShort() != KEY_VERSION) return null;
        return KEY.read(r, KEY_VERSION, false).getString("TransactionalId");
    }

    static TransactionMetadata decodeValue(String transactionalId, byte[] value) {
        ProtocolReader r = new ProtocolReader(ByteBuffer.wrap(value));
        short version = r.readShort();
        if (version > VALUE_VERSION) throw new IllegalStateException("unknown transaction log value version " + version);
        Struct v = VALUE.read(r, version, version >= 1);
        List<TopicPartition> parts = new ArrayList<>();
        List<Struct> ps = v.getStructs("TransactionPartitions");
        if (ps != null) {
            for (Struct t : ps) {
                for (Object p : t.getList("PartitionIds")) parts.add(new TopicPartition(t.getString("Topic"), (Integer) p));
            }
        }
        return new TransactionMetadata(transactionalId, v.getLong("ProducerId"), v.getLong("PreviousProducerId"),
                v.getLong("NextProducerId"), v.getShort("ProducerEpoch"), v.getShort("NextProducerEpoch"),
                v.getInt("TransactionTimeoutMs"), TransactionState.byId(v.getByte("TransactionStatus")),
                new java.util.HashSet<>(parts), v.getLong("TransactionLastUpdateTimestampMs"),
                v.getLong("TransactionStartTimestampMs"), v.getShort("ClientTransactionVersion"));
    }

    private static byte[] toArray(ByteBufferWriter w) {
        ByteBuffer b = w.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
