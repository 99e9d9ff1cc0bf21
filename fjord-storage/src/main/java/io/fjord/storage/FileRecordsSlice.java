package io.fjord.storage;

import io.fjord.protocol.types.Records;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A run of whole record batches in a segment's .log file: {@code size} bytes starting at {@code position} of
 * {@code channel}. Nothing is read until {@link #copyTo} is called; a network layer can instead send the bytes
 * straight from the page cache with {@code channel.transferTo(position, size, socket)}.
 *
 * <p>Threading: immutable; {@link #copyTo} uses positional reads, so any number of threads may use a slice (and the
 * shared channel) at once, concurrently with appends to the same file.
 *
 * <p>Lifetime: the channel belongs to the log segment and stays open while the segment is part of the log, including
 * after the files were deleted (the inode lives until the channel is closed/collected). The log closes it only on
 * {@link PartitionLog#close()} (broker shutdown). Consequently a sender must NOT close the channel: note that Netty's
 * {@code DefaultFileRegion} closes its FileChannel when released, so wrap the slice in a FileRegion whose
 * {@code deallocate()} does nothing instead.
 */
public final class FileRecordsSlice implements Records {
    private static final FileRecordsSlice EMPTY = new FileRecordsSlice(null, 0, 0);

    private final FileChannel channel;
    private final long position;
    private final int size;

    FileRecordsSlice(FileChannel channel, long position, int size) {
        if (size < 0 || position < 0) throw new IllegalArgumentException("position " + position + " size " + size);
        this.channel = channel;
        this.position = position;
        this.size = size;
    }

    /** A slice with no bytes and no channel. */
    public static FileRecordsSlice empty() {
        return EMPTY;
    }

    /** The segment's file channel; null only for {@link #empty()}. Never close it. */
    public FileChannel channel() {
        return channel;
    }

    /** Byte position of the first batch in {@link #channel()}. */
    public long position() {
        return position;
    }

    @Override
    public int sizeInBytes() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public void copyTo(ByteBuffer dst) {
        if (size == 0) return;
        if (dst.remaining() < size) {
            throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, need " + size);
        }
        ByteBuffer view = dst.duplicate();
        view.limit(view.position() + size);
        long pos = position;
        try {
            while (view.hasRemaining()) {
                int n = channel.read(view, pos);
                if (n < 0) throw new StorageException("unexpected end of segment file at " + pos);
                pos += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dst.position(dst.position() + size);
    }

    /** Reads the bytes into a new heap buffer (positioned at 0); for tests and small tools. */
    public ByteBuffer readAll() {
        ByteBuffer b = ByteBuffer.allocate(size);
        copyTo(b);
        return b.flip();
    }

    @Override
    public String toString() {
        return "FileRecordsSlice(position=" + position + ", size=" + size + ")";
    }
}
