package io.fjord.protocol.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.api.Errors;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our transaction markers are byte for byte kafka-clients' own, and we read theirs. */
class ControlRecordsDifferentialTest {
    private static final long T = 1_700_000_123_456L;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void markerBytesEqualKafkas(boolean commit) {
        ByteBuffer ours = ControlRecords.endTxnMarker(42L, T, 7, 1234L, (short) 3, commit, 17);
        MemoryRecords theirs = MemoryRecords.withEndTransactionMarker(42L, T, 7, 1234L, (short) 3,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 17));
        assertThat(ours).isEqualTo(theirs.buffer());
        MutableRecordBatch batch = MemoryRecords.readableRecords(ours.duplicate()).batches().iterator().next();
        assertThat(batch.isControlBatch()).isTrue();
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.baseSequence()).isEqualTo(-1);
        EndTransactionMarker m = EndTransactionMarker.deserialize(batch.iterator().next());
        assertThat(m.coordinatorEpoch()).isEqualTo(17);
        assertThat(m.controlType()).isEqualTo(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT);
    }

    @Test
    void readsKafkasMarker() {
        MemoryRecords theirs = MemoryRecords.withEndTransactionMarker(5L, T, 0, 99L, (short) 1,
                new EndTransactionMarker(ControlRecordType.ABORT, 4));
        ControlRecords.EndTxnMarker m = ControlRecords.readMarker(theirs.buffer(), 0);
        assertThat(m.isAbort()).isTrue();
        assertThat(m.coordinatorEpoch()).isEqualTo(4);
        assertThat(RecordBatch.isTransactional(theirs.buffer(), 0)).isTrue();
    }

    @Test
    void notAMarker() {
        ByteBuffer plain = new RecordBatchBuilder(0, CompressionType.NONE).append(T, new byte[] {1}, new byte[] {2}).build();
        assertThat(ControlRecords.readMarker(plain, 0)).isNull();
    }

    @Test
    void producersMayNotWriteMarkersNorAnonymousTransactionalBatches() {
        ByteBuffer marker = ControlRecords.endTxnMarker(0, T, -1, 1L, (short) 0, true, 0);
        assertThat(BatchValidator.validateProduce(marker).error()).isEqualTo(Errors.INVALID_RECORD);
        ByteBuffer anonymous = new RecordBatchBuilder(0, CompressionType.NONE).transactional(true)
                .append(T, null, new byte[] {1}).build();
        assertThat(BatchValidator.validateProduce(anonymous).error()).isEqualTo(Errors.INVALID_RECORD);
    }
}
