package io.fjord.storage;

/** One entry of a {@link LeaderEpochFileCache}: {@code epoch} wrote the offsets from {@code startOffset} on. */
public record EpochEntry(int epoch, long startOffset) {
}
