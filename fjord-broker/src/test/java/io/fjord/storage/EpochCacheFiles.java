package io.fjord.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * Test access to {@link LeaderEpochFileCache}'s package-private loading, for the replication simulation: it keeps a
 * real cache (and its {@code leader-epoch-checkpoint} file) per simulated replica without a whole
 * {@link PartitionLog}. Lives in the storage package on the test class path only.
 */
public final class EpochCacheFiles {
    private EpochCacheFiles() {
    }

    /**
     * Opens the cache stored in {@code dir} as the log loader does: the file's entries if it is there and well
     * formed, else an empty cache; then the entries at or beyond {@code logEndOffset} are trimmed (their data is
     * gone, e.g. lost unflushed in a power loss).
     */
    public static LeaderEpochFileCache open(Path dir, long logEndOffset) {
        List<EpochEntry> stored = LeaderEpochFileCache.readFile(dir);
        LeaderEpochFileCache cache = LeaderEpochFileCache.of(dir, stored == null ? List.of() : stored);
        cache.truncateFromEnd(logEndOffset);
        if (stored == null) cache.persist();
        return cache;
    }
}
