package io.fjord.protocol.record;

import io.fjord.protocol.api.Errors;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Checks record batches from their headers and CRC alone, without decompressing or decoding records, and without
 * creating objects per record.
 *
 * <p>{@link #validateProduce} applies the rules a broker enforces on the records of one partition in a Produce
 * request (v3+): exactly one whole magic-2 batch, matching CRC, a known codec, a positive record count that agrees
 * with the offset range, no control batch, and a base sequence when a producer id is set. {@link #validateBatch}
 * and {@link #validateSequence} check structure, CRC and codec only, for batches already in a log.
 */
public final class BatchValidator {
    /** Smallest encoded record: length, attributes, timestamp delta, offset delta, key, value, header count. */
    static final int MIN_RECORD_SIZE = 7;
    /** First Produce version allowed to carry zstd batches. */
    public static final short MIN_PRODUCE_VERSION_FOR_ZSTD = 7;

    private BatchValidator() {
    }

    /**
     * Outcome for one batch: {@code error} is {@link Errors#NONE} when valid, in which case the other fields
     * describe the batch; otherwise {@code message} says what is wrong.
     */
    public record Result(Errors error, int recordCount, int lastOffsetDelta, long maxTimestamp, int sizeInBytes,
                         String message) {
        public boolean isOk() {
            return error == Errors.NONE;
        }

        static Result fail(Errors error, String message) {
            return new Result(error, 0, 0, -1L, 0, message);
        }
    }

    /**
     * Outcome for a run of batches: the first {@code validBytes} bytes hold {@code batchCount} valid batches; if
     * {@code error} is not {@link Errors#NONE} the batch after them is bad (or torn) for the reason in
     * {@code message}.
     */
    public record SequenceResult(Errors error, int batchCount, long recordCount, int validBytes, long lastOffset,
                                 String message) {
        public boolean isOk() {
            return error == Errors.NONE;
        }
    }

    /** Validates the records of one partition of a Produce request, from position to limit of {@code records}. */
    public static Result validateProduce(ByteBuffer records) {
        return validateProduce(records, Short.MAX_VALUE);
    }

    /** As {@link #validateProduce(ByteBuffer)}, refusing zstd below Produce v7 as Kafka does. */
    public static Result validateProduce(ByteBuffer records, short produceVersion) {
        int pos = records.position();
        int limit = records.limit();
        if (limit == pos) return Result.fail(Errors.INVALID_RECORD, "produce request must carry exactly one batch, got none");
        Result r = validateBatch(records, pos, limit);
        if (!r.isOk()) return r;
        if (pos + r.sizeInBytes() != limit) {
            return Result.fail(Errors.INVALID_RECORD, "produce request must carry exactly one batch, "
                    + (limit - pos - r.sizeInBytes()) + " bytes follow the first");
        }
        if (RecordBatch.compressionId(records, pos) == CompressionType.ZSTD.id
                && produceVersion < MIN_PRODUCE_VERSION_FOR_ZSTD) {
            return Result.fail(Errors.UNSUPPORTED_COMPRESSION_TYPE, "zstd needs Produce v7 or later");
        }
        if (r.recordCount() <= 0) {
            return Result.fail(Errors.INVALID_RECORD, "invalid record count " + r.recordCount());
        }
        if ((long) r.lastOffsetDelta() + 1 != r.recordCount()) {
            return Result.fail(Errors.INVALID_RECORD, "offset range of " + ((long) r.lastOffsetDelta() + 1)
                    + " disagrees with record count " + r.recordCount());
        }
        if (RecordBatch.isControl(records, pos)) {
            return Result.fail(Errors.INVALID_RECORD, "clients may not write control batches");
        }
        if (RecordBatch.isTransactional(records, pos) && RecordBatch.producerId(records, pos) < 0) {
            return Result.fail(Errors.INVALID_RECORD, "transactional batch without a producer id");
        }
        if (RecordBatch.producerId(records, pos) >= 0 && RecordBatch.baseSequence(records, pos) < 0) {
            return Result.fail(Errors.INVALID_RECORD, "batch with a producer id has base sequence "
                    + RecordBatch.baseSequence(records, pos));
        }
        return r;
    }

    /**
     * Validates the batch at absolute position {@code pos}, which must end at or before {@code limit}: sizes,
     * magic, CRC, codec id, record count and last offset delta. Bytes after the batch are ignored.
     */
    public static Result validateBatch(ByteBuffer b, int pos, int limit) {
        int available = limit - pos;
        if (available < RecordBatch.HEADER_SIZE) {
            return Result.fail(Errors.CORRUPT_MESSAGE, "only " + available + " bytes, less than a batch header");
        }
        int length = RecordBatch.batchLength(b, pos);
        if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) {
            return Result.fail(Errors.CORRUPT_MESSAGE, "batch length " + length + " is shorter than a batch header");
        }
        if (length > available - RecordBatch.LOG_OVERHEAD) {
            return Result.fail(Errors.CORRUPT_MESSAGE, "batch length " + length + " overruns the "
                    + available + " bytes given");
        }
        byte magic = RecordBatch.magic(b, pos);
        if (magic != RecordBatch.MAGIC) {
            if (magic == 0 || magic == 1) {
                return Result.fail(Errors.INVALID_RECORD, "message format v" + magic + " is not accepted");
            }
            return Result.fail(Errors.CORRUPT_MESSAGE, "invalid magic " + magic);
        }
        int size = RecordBatch.LOG_OVERHEAD + length;
        long stored = RecordBatch.crc(b, pos);
        long computed = crc32c(b, pos + RecordBatch.ATTRIBUTES_OFFSET, pos + size);
        if (stored != computed) {
            return Result.fail(Errors.CORRUPT_MESSAGE, "CRC mismatch: stored " + stored + ", computed " + computed);
        }
        int compressionId = RecordBatch.compressionId(b, pos);
        if (!CompressionType.isKnownId(compressionId)) {
            return Result.fail(Errors.UNSUPPORTED_COMPRESSION_TYPE, "unknown compression id " + compressionId);
        }
        int count = RecordBatch.recordsCount(b, pos);
        if (count < 0) return Result.fail(Errors.CORRUPT_MESSAGE, "negative record count " + count);
        int lastOffsetDelta = RecordBatch.lastOffsetDelta(b, pos);
        if (lastOffsetDelta < 0) {
            return Result.fail(Errors.INVALID_RECORD, "negative last offset delta " + lastOffsetDelta);
        }
        int bodySize = size - RecordBatch.HEADER_SIZE;
        if (compressionId == 0 ? (long) count * MIN_RECORD_SIZE > bodySize : count > 0 && bodySize == 0) {
            return Result.fail(Errors.CORRUPT_MESSAGE, count + " records cannot fit in " + bodySize + " bytes");
        }
        return new Result(Errors.NONE, count, lastOffsetDelta, RecordBatch.maxTimestamp(b, pos), size, null);
    }

    /**
     * Validates consecutive batches from {@code buffer}'s position to its limit, stopping at the first bad or torn
     * one. Does not apply the Produce-only rules.
     */
    public static SequenceResult validateSequence(ByteBuffer buffer) {
        int start = buffer.position();
        int limit = buffer.limit();
        int pos = start;
        int batches = 0;
        long records = 0;
        long lastOffset = -1L;
        while (pos < limit) {
            Result r = validateBatch(buffer, pos, limit);
            if (!r.isOk()) return new SequenceResult(r.error(), batches, records, pos - start, lastOffset, r.message());
            batches++;
            records += r.recordCount();
            lastOffset = RecordBatch.baseOffset(buffer, pos) + r.lastOffsetDelta();
            pos += r.sizeInBytes();
        }
        return new SequenceResult(Errors.NONE, batches, records, pos - start, lastOffset, null);
    }

    private static final ThreadLocal<CRC32C> CRC = ThreadLocal.withInitial(CRC32C::new);

    static long crc32c(ByteBuffer b, int from, int to) {
        CRC32C crc = CRC.get();
        crc.reset();
        if (b.hasArray()) {
            crc.update(b.array(), b.arrayOffset() + from, to - from);
        } else {
            ByteBuffer view = b.duplicate();
            view.limit(to).position(from);
            crc.update(view);
        }
        return crc.getValue();
    }
}
