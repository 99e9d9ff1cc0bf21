package io.fjord.protocol.types;

import java.nio.ByteBuffer;

/**
 * Record batches as they travel inside a request or response. In memory they are a {@link MemoryRecords}; the
 * broker hands file slices in their place so that fetched bytes go from the page cache to the socket.
 */
public interface Records {
    int sizeInBytes();

    /** Copies the bytes into {@code dst} (a fallback for writers that cannot send a file region). */
    void copyTo(ByteBuffer dst);
}
