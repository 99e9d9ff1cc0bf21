package io.fjord.protocol.record;

import io.fjord.protocol.api.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchValidatorTest {
    private static final long T0 = 1_700_000_000_000L;

    static ByteBuffer batch(CompressionType t, int n) {
        RecordBatchBuilder b = new RecordBatchBuilder(0, t);
        for (int i = 0; i < n; i++) b.append(T0 + i, ("k" + i).getBytes(), ("value-" + i).getBytes());
        return b.build();
    }

    /** Rewrites a header field and fixes the CRC, so only the field's own rule can fail. */
    static ByteBuffer withCrcFixed(ByteBuffer b) {
        b.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(b, 0));
        return b;
    }

    static Errors produce(ByteBuffer b) {
        return BatchValidator.validateProduce(b.duplicate()).error();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void validBatch(CompressionType t) {
        ByteBuffer b = batch(t, 10);
        BatchValidator.Result r = BatchValidator.validateProduce(b);
        assertThat(r.isOk()).isTrue();
        assertThat(r.recordCount()).isEqualTo(10);
        assertThat(r.lastOffsetDelta()).isEqualTo(9);
        assertThat(r.maxTimestamp()).isEqualTo(T0 + 9);
        assertThat(r.sizeInBytes()).isEqualTo(b.remaining());
        assertThat(b.position()).isZero();
    }

    @Test
    void worksAtNonZeroPositionAndOnDirectBuffers() {
        ByteBuffer b = batch(CompressionType.NONE, 3);
        ByteBuffer direct = ByteBuffer.allocateDirect(b.remaining() + 5);
        direct.position(5);
        direct.put(b.duplicate()).position(5);
        assertThat(BatchValidator.validateProduce(direct).isOk()).isTrue();
        ByteBuffer flipped = direct.duplicate();
        flipped.put(5 + 40, (byte) (flipped.get(5 + 40) ^ 1));
        assertThat(produce(flipped)).isEqualTo(Errors.CORRUPT_MESSAGE);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void everyFlippedByteUnderTheCrcIsCorrupt(CompressionType t) {
        ByteBuffer good = batch(t, 5);
        for (int i = RecordBatch.CRC_OFFSET; i < good.limit(); i++) {
            ByteBuffer b = ByteBuffer.allocate(good.remaining()).put(good.duplicate()).flip();
            b.put(i, (byte) (b.get(i) ^ 0x10));
            assertThat(produce(b)).as("byte %d", i).isEqualTo(Errors.CORRUPT_MESSAGE);
            assertThat(RecordBatch.isWholeAndValid(b, 0)).isFalse();
        }
    }

    @Test
    void truncated() {
        ByteBuffer good = batch(CompressionType.NONE, 5);
        for (int len : new int[]{1, 11, 12, RecordBatch.HEADER_SIZE - 1, RecordBatch.HEADER_SIZE, good.limit() - 1}) {
            ByteBuffer b = good.duplicate().limit(len);
            assertThat(produce(b)).as("len %d", len).isEqualTo(Errors.CORRUPT_MESSAGE);
        }
        assertThat(produce(ByteBuffer.allocate(0))).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void lengthFieldTooSmall() {
        ByteBuffer b = batch(CompressionType.NONE, 1);
        b.putInt(RecordBatch.LENGTH_OFFSET, 10);
        assertThat(produce(b)).isEqualTo(Errors.CORRUPT_MESSAGE);
    }

    @Test
    void twoBatchesOrTrailingBytes() {
        ByteBuffer a = batch(CompressionType.NONE, 2);
        ByteBuffer two = ByteBuffer.allocate(2 * a.remaining()).put(a.duplicate()).put(a.duplicate()).flip();
        BatchValidator.Result r = BatchValidator.validateProduce(two);
        assertThat(r.error()).isEqualTo(Errors.INVALID_RECORD);
        assertThat(r.message()).contains("exactly one batch");
        ByteBuffer trailing = ByteBuffer.allocate(a.remaining() + 3).put(a.duplicate()).flip().limit(a.remaining() + 3);
        assertThat(produce(trailing)).isEqualTo(Errors.INVALID_RECORD);
        // the sequence check accepts both batches
        assertThat(BatchValidator.validateSequence(two).batchCount()).isEqualTo(2);
    }

    @Test
    void badMagic() {
        ByteBuffer b = batch(CompressionType.NONE, 2);
        b.put(RecordBatch.MAGIC_OFFSET, (byte) 3);
        assertThat(produce(b)).isEqualTo(Errors.CORRUPT_MESSAGE);
        b.put(RecordBatch.MAGIC_OFFSET, (byte) -1);
        assertThat(produce(b)).isEqualTo(Errors.CORRUPT_MESSAGE);
        b.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertThat(produce(b)).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void unknownCompressionId() {
        for (int id = 5; id <= 7; id++) {
            ByteBuffer b = batch(CompressionType.NONE, 2);
            b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) id);
            withCrcFixed(b);
            BatchValidator.Result r = BatchValidator.validateProduce(b);
            assertThat(r.error()).isEqualTo(Errors.UNSUPPORTED_COMPRESSION_TYPE);
            assertThat(r.message()).contains(Integer.toString(id));
            // a bad CRC wins over the codec
            b.put(RecordBatch.CRC_OFFSET, (byte) (b.get(RecordBatch.CRC_OFFSET) ^ 1));
            assertThat(produce(b)).isEqualTo(Errors.CORRUPT_MESSAGE);
        }
    }

    @Test
    void zstdNeedsProduceV7() {
        ByteBuffer b = batch(CompressionType.ZSTD, 2);
        assertThat(BatchValidator.validateProduce(b, (short) 6).error()).isEqualTo(Errors.UNSUPPORTED_COMPRESSION_TYPE);
        assertThat(BatchValidator.validateProduce(b, (short) 7).isOk()).isTrue();
    }

    @Test
    void recordCountAndOffsetDelta() {
        ByteBuffer zero = withCrcFixed(batch(CompressionType.NONE, 2).putInt(RecordBatch.RECORDS_COUNT_OFFSET, 0));
        assertThat(produce(zero)).isEqualTo(Errors.INVALID_RECORD);
        assertThat(BatchValidator.validateBatch(zero, 0, zero.limit()).isOk()).isTrue(); // empty batches may sit in a log

        ByteBuffer negative = withCrcFixed(batch(CompressionType.NONE, 2).putInt(RecordBatch.RECORDS_COUNT_OFFSET, -1));
        assertThat(produce(negative)).isEqualTo(Errors.CORRUPT_MESSAGE);

        ByteBuffer tooMany = withCrcFixed(batch(CompressionType.NONE, 2).putInt(RecordBatch.RECORDS_COUNT_OFFSET, 1000));
        assertThat(produce(tooMany)).isEqualTo(Errors.CORRUPT_MESSAGE);

        ByteBuffer negDelta = withCrcFixed(batch(CompressionType.NONE, 2).putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, -1));
        assertThat(produce(negDelta)).isEqualTo(Errors.INVALID_RECORD);

        ByteBuffer gap = withCrcFixed(batch(CompressionType.GZIP, 2).putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 5));
        assertThat(produce(gap)).isEqualTo(Errors.INVALID_RECORD);
        assertThat(BatchValidator.validateBatch(gap, 0, gap.limit()).isOk()).isTrue();
    }

    @Test
    void clientRules() {
        ByteBuffer control = batch(CompressionType.NONE, 1);
        control.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) RecordBatch.CONTROL_MASK);
        assertThat(produce(withCrcFixed(control))).isEqualTo(Errors.INVALID_RECORD);

        ByteBuffer noSeq = new RecordBatchBuilder(0, CompressionType.NONE).producer(5, (short) 0, -1)
                .append(T0, null, new byte[1]).build();
        assertThat(produce(noSeq)).isEqualTo(Errors.INVALID_RECORD);
        ByteBuffer seq = new RecordBatchBuilder(0, CompressionType.NONE).producer(5, (short) 0, 0)
                .append(T0, null, new byte[1]).build();
        assertThat(produce(seq)).isEqualTo(Errors.NONE);
    }

    @Test
    void sequenceStopsAtTornTail() {
        ByteBuffer a = batch(CompressionType.LZ4, 3);
        ByteBuffer b = batch(CompressionType.NONE, 4);
        RecordBatch.setBaseOffset(b, 0, 3);
        ByteBuffer log = ByteBuffer.allocate(a.remaining() + b.remaining()).put(a.duplicate()).put(b.duplicate()).flip();
        log.limit(log.limit() - 7);
        BatchValidator.SequenceResult s = BatchValidator.validateSequence(log);
        assertThat(s.error()).isEqualTo(Errors.CORRUPT_MESSAGE);
        assertThat(s.batchCount()).isEqualTo(1);
        assertThat(s.validBytes()).isEqualTo(a.remaining());
        assertThat(s.lastOffset()).isEqualTo(2);
        assertThat(BatchValidator.validateSequence(ByteBuffer.allocate(0)).isOk()).isTrue();
    }

    @Test
    void readerRejectsMalformedRecords() {
        ByteBuffer b = batch(CompressionType.NONE, 2);
        // first record's length varint (zig-zag): claim one more byte than it has
        int lenPos = RecordBatch.HEADER_SIZE;
        b.put(lenPos, (byte) (b.get(lenPos) + 2));
        assertThatThrownBy(() -> RecordBatchReader.readAll(b)).isInstanceOf(InvalidRecordException.class);

        ByteBuffer c = batch(CompressionType.NONE, 2).putInt(RecordBatch.RECORDS_COUNT_OFFSET, 1);
        assertThatThrownBy(() -> RecordBatchReader.readAll(c)).isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void builderRejectsEmptyAndOutOfOrder() {
        assertThatThrownBy(() -> new RecordBatchBuilder(0, CompressionType.NONE).build())
                .isInstanceOf(IllegalStateException.class);
        RecordBatchBuilder b = new RecordBatchBuilder(10, CompressionType.NONE);
        b.append(Record.of(12, T0, null, null, List.of()));
        assertThatThrownBy(() -> b.append(Record.of(12, T0, null, null, List.of())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.append(Record.of(9, T0, null, null, List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
