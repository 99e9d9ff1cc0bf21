package io.fjord.protocol.record;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Decodes the records of one magic-2 batch, decompressing the records section up front when the batch is
 * compressed. Keys and values of an uncompressed batch are read-only views into the given buffer. The CRC is not
 * checked here (see {@link BatchValidator}); malformed records raise {@link InvalidRecordException}.
 */
public final class RecordBatchReader implements Iterator<Record> {
    private final long baseOffset;
    private final long baseTimestamp;
    private final long logAppendTime;
    private final boolean isLogAppendTime;
    private final int recordsCount;
    private final CompressionType compression;
    private final ByteBuffer data;
    private int read;

    /**
     * Reads the batch starting at absolute position {@code pos} of {@code buffer}; a compressed section may
     * inflate to at most {@link CompressionType#MAX_DECOMPRESSED_BYTES}.
     */
    public RecordBatchReader(ByteBuffer buffer, int pos) {
        this(buffer, pos, CompressionType.MAX_DECOMPRESSED_BYTES);
    }

    /** As {@link #RecordBatchReader(ByteBuffer, int)}, a compressed section inflating to at most {@code maxDecompressedBytes}. */
    public RecordBatchReader(ByteBuffer buffer, int pos, int maxDecompressedBytes) {
        if (buffer.limit() - pos < RecordBatch.HEADER_SIZE) throw new InvalidRecordException("truncated batch header");
        int length = RecordBatch.batchLength(buffer, pos);
        if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD
                || (long) pos + RecordBatch.LOG_OVERHEAD + length > buffer.limit()) {
            throw new InvalidRecordException("batch length " + length + " does not fit the buffer");
        }
        byte magic = RecordBatch.magic(buffer, pos);
        if (magic != RecordBatch.MAGIC) throw new InvalidRecordException("unsupported magic " + magic);
        int compressionId = RecordBatch.compressionId(buffer, pos);
        if (!CompressionType.isKnownId(compressionId)) {
            throw new InvalidRecordException("unknown compression id " + compressionId);
        }
        this.compression = CompressionType.forId(compressionId);
        this.baseOffset = RecordBatch.baseOffset(buffer, pos);
        this.baseTimestamp = RecordBatch.baseTimestamp(buffer, pos);
        this.isLogAppendTime = RecordBatch.isLogAppendTime(buffer, pos);
        this.logAppendTime = RecordBatch.maxTimestamp(buffer, pos);
        this.recordsCount = RecordBatch.recordsCount(buffer, pos);
        if (recordsCount < 0) throw new InvalidRecordException("negative records count " + recordsCount);
        ByteBuffer body = buffer.duplicate();
        body.limit(pos + RecordBatch.LOG_OVERHEAD + length).position(pos + RecordBatch.HEADER_SIZE);
        body = body.slice().asReadOnlyBuffer();
        this.data = compression == CompressionType.NONE ? body : ByteBuffer.wrap(compression.decompress(body, maxDecompressedBytes))
                .asReadOnlyBuffer();
    }

    /** Reads the batch at {@code buffer}'s position. */
    public static RecordBatchReader of(ByteBuffer buffer) {
        return new RecordBatchReader(buffer, buffer.position());
    }

    /** Decodes every record of every batch from {@code buffer}'s position to its limit (which must end a batch). */
    public static List<Record> readAll(ByteBuffer buffer) {
        List<Record> out = new ArrayList<>();
        int pos = buffer.position();
        while (pos < buffer.limit()) {
            RecordBatchReader reader = new RecordBatchReader(buffer, pos);
            reader.forEachRemaining(out::add);
            pos += RecordBatch.sizeInBytes(buffer, pos);
        }
        return out;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int recordsCount() {
        return recordsCount;
    }

    public CompressionType compression() {
        return compression;
    }

    @Override
    public boolean hasNext() {
        if (read < recordsCount) return true;
        if (data.hasRemaining()) {
            throw new InvalidRecordException(data.remaining() + " bytes left after the batch's " + recordsCount
                    + " records");
        }
        return false;
    }

    @Override
    public Record next() {
        if (!hasNext()) throw new NoSuchElementException();
        try {
            return decode();
        } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new InvalidRecordException("record " + read + " of batch at offset " + baseOffset
                    + " is truncated or malformed", e);
        }
    }

    private Record decode() {
        int length = Varints.readVarint(data);
        if (length < 0 || length > data.remaining()) throw new InvalidRecordException("bad record length " + length);
        int end = data.position() + length;
        data.get(); // attributes: unused
        long timestampDelta = Varints.readVarlong(data);
        int offsetDelta = Varints.readVarint(data);
        ByteBuffer key = slice(Varints.readVarint(data), end);
        ByteBuffer value = slice(Varints.readVarint(data), end);
        int headerCount = Varints.readVarint(data);
        if (headerCount < 0) throw new InvalidRecordException("negative header count " + headerCount);
        List<Header> headers;
        if (headerCount == 0) {
            headers = List.of();
        } else {
            headers = new ArrayList<>(Math.min(headerCount, 64));
            for (int i = 0; i < headerCount; i++) {
                int keyLen = Varints.readVarint(data);
                if (keyLen < 0) throw new InvalidRecordException("null header key");
                checkFits(keyLen, end);
                byte[] hkBytes = new byte[keyLen];
                data.get(hkBytes);
                String hk = new String(hkBytes, StandardCharsets.UTF_8);
                ByteBuffer hv = slice(Varints.readVarint(data), end);
                byte[] hvBytes = null;
                if (hv != null) {
                    hvBytes = new byte[hv.remaining()];
                    hv.get(hvBytes);
                }
                headers.add(new Header(hk, hvBytes));
            }
        }
        if (data.position() != end) {
            throw new InvalidRecordException("record length " + length + " disagrees with its fields");
        }
        read++;
        long timestamp = isLogAppendTime ? logAppendTime : baseTimestamp + timestampDelta;
        return new Record(baseOffset + offsetDelta, timestamp, key, value, headers);
    }

    private void checkFits(int len, int end) {
        if (len > end - data.position()) throw new InvalidRecordException("field of " + len + " bytes overruns record");
    }

    private ByteBuffer slice(int len, int end) {
        if (len < 0) return null;
        checkFits(len, end);
        ByteBuffer s = data.slice(data.position(), len);
        data.position(data.position() + len);
        return s;
    }
}
