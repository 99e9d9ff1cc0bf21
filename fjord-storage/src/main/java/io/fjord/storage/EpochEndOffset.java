package io.fjord.storage;

/**
 * Answer to OffsetForLeaderEpoch ({@link LeaderEpochFileCache#endOffsetFor}): the largest epoch at or below the
 * requested one and the offset where it ended (exclusive), or ({@value LeaderEpochFileCache#UNDEFINED_EPOCH},
 * {@value LeaderEpochFileCache#UNDEFINED_EPOCH_OFFSET}) when unknown.
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(LeaderEpochFileCache.UNDEFINED_EPOCH,
            LeaderEpochFileCache.UNDEFINED_EPOCH_OFFSET);

    public boolean isUndefined() {
        return epoch == LeaderEpochFileCache.UNDEFINED_EPOCH && endOffset == LeaderEpochFileCache.UNDEFINED_EPOCH_OFFSET;
    }
}
