package io.fjord.protocol.record;

import io.fjord.protocol.api.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Batches built by us are read by kafka-clients 4.4 and vice versa, for every codec. */
class RecordBatchDifferentialTest {
    private static final long BASE_OFFSET = 1_000L;
    private static final long T0 = 1_700_000_000_000L;

    static List<Record> sampleRecords(int n, long baseOffset) {
        Random rnd = new Random(42);
        List<Record> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = i % 3 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value;
            if (i % 5 == 1) {
                value = null;
            } else {
                value = new byte[i % 7 == 0 ? 70_000 + i : 10 + rnd.nextInt(300)];
                for (int j = 0; j < value.length; j++) value[j] = (byte) ('a' + rnd.nextInt(i % 2 == 0 ? 4 : 26));
                if (i % 4 == 0) rnd.nextBytes(value); // incompressible
            }
            List<Header> headers = new ArrayList<>();
            for (int h = 0; h < i % 4; h++) {
                headers.add(new Header("h" + h + "-ü", h == 1 ? null : ("v" + i + h).getBytes(StandardCharsets.UTF_8)));
            }
            long ts = T0 + (i % 3 == 2 ? -5_000 + i : i * 1_000L); // out of order timestamps, some before the base
            out.add(Record.of(baseOffset + i, ts, key, value, headers));
        }
        return out;
    }

    static ByteBuffer ourBatch(CompressionType t, List<Record> records) {
        RecordBatchBuilder b = new RecordBatchBuilder(records.get(0).offset(), t);
        for (Record r : records) b.append(r.timestamp(), r.key(), r.value(), r.headers());
        return b.build();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void oursReadByKafka(CompressionType t) {
        List<Record> expected = sampleRecords(30, BASE_OFFSET);
        ByteBuffer buf = ourBatch(t, expected);
        assertThat(RecordBatch.isWholeAndValid(buf, 0)).isTrue();

        MemoryRecords theirs = MemoryRecords.readableRecords(buf.duplicate());
        List<MutableRecordBatch> batches = new ArrayList<>();
        theirs.batches().forEach(batches::add);
        assertThat(batches).hasSize(1);
        MutableRecordBatch batch = batches.get(0);
        assertThat(batch.isValid()).isTrue();
        batch.ensureValid();
        assertThat(batch.magic()).isEqualTo((byte) 2);
        assertThat(batch.compressionType().id).isEqualTo(t.id);
        assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(batch.baseOffset()).isEqualTo(BASE_OFFSET);
        assertThat(batch.lastOffset()).isEqualTo(BASE_OFFSET + expected.size() - 1);
        assertThat(batch.countOrNull()).isEqualTo(expected.size());
        assertThat(batch.producerId()).isEqualTo(-1L);
        assertThat(batch.producerEpoch()).isEqualTo((short) -1);
        assertThat(batch.baseSequence()).isEqualTo(-1);
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(-1);
        assertThat(batch.isTransactional()).isFalse();
        assertThat(batch.maxTimestamp()).isEqualTo(expected.stream().mapToLong(Record::timestamp).max().orElseThrow());

        Iterator<org.apache.kafka.common.record.internal.Record> it = batch.iterator();
        for (Record e : expected) {
            assertThat(it.hasNext()).isTrue();
            org.apache.kafka.common.record.internal.Record k = it.next();
            k.ensureValid();
            assertThat(k.offset()).isEqualTo(e.offset());
            assertThat(k.timestamp()).isEqualTo(e.timestamp());
            assertThat(k.key()).isEqualTo(e.key());
            assertThat(k.value()).isEqualTo(e.value());
            assertThat(k.hasKey()).isEqualTo(e.hasKey());
            assertThat(k.hasValue()).isEqualTo(e.hasValue());
            List<Header> headers = new ArrayList<>();
            for (org.apache.kafka.common.header.Header h : k.headers()) headers.add(new Header(h.key(), h.value()));
            assertThat(headers).isEqualTo(e.headers());
        }
        assertThat(it.hasNext()).isFalse();

        // our own reader and validator agree too
        assertThat(RecordBatchReader.readAll(buf.duplicate())).isEqualTo(expected);
        BatchValidator.Result r = BatchValidator.validateProduce(buf.duplicate());
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.recordCount()).isEqualTo(expected.size());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void kafkaReadByOurs(CompressionType t) {
        List<Record> expected = sampleRecords(30, BASE_OFFSET);
        ByteBuffer buf = KafkaInterop.kafkaBatch(t, BASE_OFFSET, expected);
        assertThat(RecordBatch.isWholeAndValid(buf, buf.position())).isTrue();
        assertThat(RecordBatch.compressionId(buf, buf.position())).isEqualTo(t.id);
        assertThat(RecordBatch.crc(buf, buf.position())).isEqualTo(RecordBatch.computeCrc(buf, buf.position()));

        BatchValidator.Result r = BatchValidator.validateProduce(buf.duplicate());
        assertThat(r.isOk()).as(r.message()).isTrue();
        assertThat(r.recordCount()).isEqualTo(expected.size());
        assertThat(r.lastOffsetDelta()).isEqualTo(expected.size() - 1);
        assertThat(r.maxTimestamp()).isEqualTo(expected.stream().mapToLong(Record::timestamp).max().orElseThrow());
        assertThat(r.sizeInBytes()).isEqualTo(buf.remaining());

        RecordBatchReader reader = RecordBatchReader.of(buf.duplicate());
        assertThat(reader.compression()).isEqualTo(t);
        assertThat(reader.recordsCount()).isEqualTo(expected.size());
        List<Record> actual = new ArrayList<>();
        reader.forEachRemaining(actual::add);
        assertThat(actual).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void uncompressedBytesMatchKafkaExactly(CompressionType t) {
        // header fields and record encoding are deterministic, so the uncompressed form must be byte-identical
        if (t != CompressionType.NONE) return;
        List<Record> expected = sampleRecords(12, 7);
        assertThat(ourBatch(t, expected)).isEqualTo(KafkaInterop.kafkaBatch(t, 7, expected));
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void producerFieldsAndManyBatches(CompressionType t) {
        ByteBuffer a = new RecordBatchBuilder(0, t).producer(77L, (short) 3, 10).partitionLeaderEpoch(5)
                .append(T0, "k".getBytes(), "v".getBytes()).append(T0 + 1, null, "w".getBytes()).build();
        ByteBuffer b = ourBatch(t, sampleRecords(5, 2));
        ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining()).put(a.duplicate()).put(b.duplicate()).flip();

        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(both.duplicate()).batches().forEach(batches::add);
        assertThat(batches).hasSize(2);
        MutableRecordBatch first = batches.get(0);
        first.ensureValid();
        assertThat(first.producerId()).isEqualTo(77L);
        assertThat(first.producerEpoch()).isEqualTo((short) 3);
        assertThat(first.baseSequence()).isEqualTo(10);
        assertThat(first.lastSequence()).isEqualTo(11);
        assertThat(first.partitionLeaderEpoch()).isEqualTo(5);
        batches.get(1).ensureValid();

        BatchValidator.SequenceResult s = BatchValidator.validateSequence(both.duplicate());
        assertThat(s.isOk()).isTrue();
        assertThat(s.batchCount()).isEqualTo(2);
        assertThat(s.recordCount()).isEqualTo(7);
        assertThat(s.lastOffset()).isEqualTo(6);
        assertThat(s.validBytes()).isEqualTo(both.remaining());
        assertThat(RecordBatchReader.readAll(both)).hasSize(7);
    }
}
