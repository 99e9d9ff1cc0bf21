package io.fjord.protocol.record;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

import java.nio.ByteBuffer;
import java.util.List;

/** Test helpers that map between our record types and kafka-clients' ones. */
final class KafkaInterop {
    private KafkaInterop() {
    }

    static Compression kafkaCompression(CompressionType t) {
        return Compression.of(org.apache.kafka.common.record.internal.CompressionType.forId(t.id)).build();
    }

    static org.apache.kafka.common.header.Header[] kafkaHeaders(List<Header> headers) {
        return headers.stream().map(h -> new RecordHeader(h.key(), h.value()))
                .toArray(org.apache.kafka.common.header.Header[]::new);
    }

    /** Builds one batch with kafka-clients holding {@code records} (consecutive offsets from the first). */
    static ByteBuffer kafkaBatch(CompressionType t, long baseOffset, List<Record> records) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024), kafkaCompression(t),
                TimestampType.CREATE_TIME, baseOffset);
        for (Record r : records) {
            b.appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), kafkaHeaders(r.headers()));
        }
        return b.build().buffer();
    }
}
