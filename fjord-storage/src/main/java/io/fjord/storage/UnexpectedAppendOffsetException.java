package io.fjord.storage;

/**
 * A follower append ({@link PartitionLog#appendAsFollower}) whose batches do not continue the log: the first base
 * offset is below the log end offset, or the offsets inside the append do not increase. The replica fetcher
 * should re-check its fetch position (truncate or reset) rather than retry the same bytes.
 */
public final class UnexpectedAppendOffsetException extends IllegalArgumentException {
    private final long firstOffset;
    private final long logEndOffset;

    public UnexpectedAppendOffsetException(String message, long firstOffset, long logEndOffset) {
        super(message);
        this.firstOffset = firstOffset;
        this.logEndOffset = logEndOffset;
    }

    /** Base offset of the offending batch. */
    public long firstOffset() {
        return firstOffset;
    }

    /** The log end offset when the append was refused. */
    public long logEndOffset() {
        return logEndOffset;
    }
}
