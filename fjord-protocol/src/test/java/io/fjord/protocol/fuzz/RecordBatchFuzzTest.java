package io.fjord.protocol.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fjord.protocol.record.BatchValidator;
import io.fjord.protocol.record.ControlRecords;
import io.fjord.protocol.record.InvalidRecordException;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the record-batch path a produced batch takes: {@link BatchValidator#validateProduce} and
 * {@link BatchValidator#validateSequence} on the raw bytes, then {@link RecordBatchReader} (which decompresses
 * gzip, snappy, lz4 and zstd) over every batch. Random bytes rarely carry a matching CRC, so the reader is also
 * run on a copy whose CRC is recomputed: otherwise the fuzzer would hardly ever get past the validator into the
 * decompressors and record decoding.
 *
 * <p>Properties: the validators never throw (they answer with an error code); the reader throws only
 * {@link InvalidRecordException}; decoding allocates at most a fixed amount plus a multiple of the input (a
 * compressed section's expansion is bounded, see {@code CompressionType#decompress} and the snappy length checks);
 * every input ends.
 */
class RecordBatchFuzzTest {
    private static final long PER_BYTE = 64;
    /**
     * The reader's bound on a decompressed section, lowered from {@code CompressionType.MAX_DECOMPRESSED_BYTES}
     * (32 MiB) so each input stays fast; the same code enforces both. Reading a section to the bound allocates at
     * most about three times it (the growing array), hence PER_BATCH. Seed regression-zstd-bomb-100MB: 3 KB of zstd
     * inflating to 100 MB, which before the bound allocated it all.
     */
    private static final int FUZZ_MAX_DECOMPRESSED = 1024 * 1024;
    private static final long FIXED = 256 * 1024;
    /**
     * Per batch read: the codec's own buffers, freed when the batch is done. lz4's frame stream allocates two
     * buffers of the block size the frame descriptor names (up to 4 MiB each), as Kafka's does; zstd its window.
     * Found by the long run (regression-many-small-lz4-batches): a budget per input, not per batch, flagged 25
     * small lz4 batches of 140 KiB buffers each.
     */
    private static final long PER_BATCH = 9L * 1024 * 1024 + 3L * FUZZ_MAX_DECOMPRESSED;

    static {
        SeedMutator.warmUp(RecordBatchFuzzTest.class, "validateAndReadBatches", b -> readAll(withFixedCrcs(b)));
    }

    // Limits of one -Pfuzz-long run (fuzzing mode); the default suite replays the seeds only.
    @FuzzTest(maxDuration = "60m", maxExecutions = 12_000_000)
    void validateAndReadBatches(byte[] input) {
        AllocationBudget.run(() -> {
            BatchValidator.validateProduce(ByteBuffer.wrap(input));
            BatchValidator.validateSequence(ByteBuffer.wrap(input));
        }, input.length, FIXED, PER_BYTE, "record batch validation");
        readAll(input);
        readAll(withFixedCrcs(input));
    }

    @Test
    @Timeout(120)
    void mutatedSeeds() throws Exception {
        int runs = SeedMutator.forEachMutant(RecordBatchFuzzTest.class, "validateAndReadBatches", 3000, 0xba7c4L,
                this::validateAndReadBatches);
        assertThat(runs).isGreaterThanOrEqualTo(3000);
    }

    private static void readAll(byte[] input) {
        ByteBuffer buf = ByteBuffer.wrap(input);
        int pos = 0;
        try {
            while (pos + RecordBatch.HEADER_SIZE <= input.length) {
                int at = pos;
                AllocationBudget.run(() -> readBatch(buf, at), input.length - at, PER_BATCH, PER_BYTE, "record batch reader");
                pos += RecordBatch.sizeInBytes(buf, pos);
            }
        } catch (InvalidRecordException expected) {
            // the documented outcome for a malformed batch
        }
    }

    private static void readBatch(ByteBuffer buf, int pos) {
        RecordBatchReader reader = new RecordBatchReader(buf, pos, FUZZ_MAX_DECOMPRESSED);
        while (reader.hasNext()) {
            Record r = reader.next();
            if (r.key() != null) r.key().remaining();
        }
        if (RecordBatch.isControl(buf, pos)) ControlRecords.readMarker(buf, pos);
    }

    /** The input with each batch's CRC set to the CRC of its bytes, walking batch lengths as far as they fit. */
    static byte[] withFixedCrcs(byte[] input) {
        byte[] b = input.clone();
        ByteBuffer buf = ByteBuffer.wrap(b);
        int pos = 0;
        while (pos + RecordBatch.HEADER_SIZE <= b.length) {
            int size = RecordBatch.LOG_OVERHEAD + RecordBatch.batchLength(buf, pos);
            if (size < RecordBatch.HEADER_SIZE || size > b.length - pos) break;
            CRC32C crc = new CRC32C();
            crc.update(b, pos + RecordBatch.ATTRIBUTES_OFFSET, size - RecordBatch.ATTRIBUTES_OFFSET);
            buf.putInt(pos + RecordBatch.CRC_OFFSET, (int) crc.getValue());
            pos += size;
        }
        return b;
    }
}
