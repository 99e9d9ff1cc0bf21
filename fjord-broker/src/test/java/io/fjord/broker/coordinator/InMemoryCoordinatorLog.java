package io.fjord.broker.coordinator;

import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A coordinator log in memory for unit tests: per partition the records written, a leader epoch, and a high
 * watermark the test moves ({@link #commitAll}) or that follows every append ({@code autoCommit}). Thread-safe.
 */
public final class InMemoryCoordinatorLog implements CoordinatorLog {
    private final Map<Integer, List<CoordinatorRecord>> records = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> leaderEpochs = new ConcurrentHashMap<>();
    private final Map<Integer, Long> highWatermarks = new ConcurrentHashMap<>();
    private final Map<Integer, TreeMap<Long, List<CompletableFuture<Void>>>> waiting = new ConcurrentHashMap<>();
    private final boolean autoCommit;

    public InMemoryCoordinatorLog(boolean autoCommit) {
        this.autoCommit = autoCommit;
    }

    public synchronized void lead(int partition, int epoch) {
        leaderEpochs.put(partition, epoch);
    }

    /** Another broker leads now: waiting writes fail as they would at a deposed leader. */
    public synchronized void resign(int partition) {
        leaderEpochs.remove(partition);
        TreeMap<Long, List<CompletableFuture<Void>>> w = waiting.remove(partition);
        if (w != null) w.values().forEach(l -> l.forEach(f -> f.completeExceptionally(
                new CoordinatorException(Errors.NOT_COORDINATOR, "resigned"))));
    }

    public synchronized List<CoordinatorRecord> records(int partition) {
        return new ArrayList<>(records.getOrDefault(partition, List.of()));
    }

    private void checkLeader(int partition, int epoch) {
        Integer e = leaderEpochs.get(partition);
        if (e == null || e != epoch) throw new CoordinatorException(Errors.NOT_COORDINATOR, "not leader of " + partition + " at " + epoch);
    }

    @Override
    public synchronized void load(int partition, int epoch, Consumer<CoordinatorRecord> sink) {
        checkLeader(partition, epoch);
        records(partition).forEach(sink);
    }

    @Override
    public synchronized long append(int partition, int epoch, List<CoordinatorRecord> batch) {
        checkLeader(partition, epoch);
        List<CoordinatorRecord> l = records.computeIfAbsent(partition, p -> new ArrayList<>());
        l.addAll(batch);
        if (autoCommit) highWatermarks.put(partition, (long) l.size());
        return l.size();
    }

    @Override
    public synchronized CompletableFuture<Void> awaitCommitted(int partition, int epoch, long endOffset) {
        if (highWatermarks.getOrDefault(partition, 0L) >= endOffset) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiting.computeIfAbsent(partition, p -> new TreeMap<>()).computeIfAbsent(endOffset, o -> new ArrayList<>()).add(f);
        return f;
    }

    /** The high watermark reaches the log end: waiting writes complete. */
    public void commitAll(int partition) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            long end = records.getOrDefault(partition, List.of()).size();
            highWatermarks.put(partition, end);
            TreeMap<Long, List<CompletableFuture<Void>>> w = waiting.get(partition);
            if (w != null) {
                var head = w.headMap(end, true);
                head.values().forEach(done::addAll);
                head.clear();
            }
        }
        done.forEach(f -> f.complete(null));
    }
}
