package io.fjord.metadata.raft;

import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.ImageApplier;
import io.fjord.metadata.MetadataLog;
import io.fjord.metadata.MetadataRecord;
import io.fjord.metadata.ReplicationControl;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the committed Raft log to the immutable {@link ClusterImage}. An entry is a batch of
 * {@link MetadataRecord}s in the metadata log's text format, one per line, applied together; checks that depend on
 * the state (topic exists, producer-id block start) are made here, at apply time, so every node decides the same.
 * A {@link MetadataRecord.PartitionChanged} applies only if it is the partition's next epoch (it was computed from
 * the current state), and a {@link ControllerCommand} line is judged against the image it meets and replaced by
 * the records it yields. The reply says what happened ({@code ok}, {@code exists}, {@code missing}, {@code stale},
 * {@code pid <start>}, or a command's encoded answer).
 *
 * <p>Snapshots are the image written as records ({@link ImageApplier#asRecords}); the log is purged up to them.
 * Read-only queries are broker heartbeats, served by the leader in memory.
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final ClusterImage empty;
    private volatile ClusterImage image;
    private final List<Consumer<MetadataRecord>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> resetListeners = new CopyOnWriteArrayList<>();
    /** Broker id to {@link #nanoClock} time of its last heartbeat, as seen by this node while leader. */
    final Map<Integer, Long> heartbeats = new ConcurrentHashMap<>();
    final Map<Integer, String> heartbeatIncarnations = new ConcurrentHashMap<>();
    /** Controller epoch (Raft term) to the node that was active in it, from the applied ControllerActivated entries. */
    final Map<Long, Integer> activeControllers = new ConcurrentHashMap<>();
    final List<String> epochViolations = new CopyOnWriteArrayList<>();
    volatile long snapshotLoadedIndex = -1;
    volatile int entriesAppliedSinceStart;
    private final Object appliedLock = new Object();

    /** The controller's one clock (nanoseconds): heartbeats are stamped with it and sessions judged by it. */
    final LongSupplier nanoClock;

    MetadataStateMachine(ClusterImage empty) {
        this(empty, System::nanoTime);
    }

    MetadataStateMachine(ClusterImage empty, LongSupplier nanoClock) {
        this.empty = empty;
        this.image = empty;
        this.nanoClock = nanoClock;
    }

    ClusterImage image() {
        return image;
    }

    void addListener(Consumer<MetadataRecord> l) {
        listeners.add(l);
    }

    /** Called after the image was replaced wholesale (a snapshot installed from the leader). */
    void addResetListener(Runnable r) {
        resetListeners.add(r);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadSnapshot(storage.loadLatestSnapshot());
    }

    @Override
    public void pause() { // BaseStateMachine.pause() does nothing; installing a snapshot needs PAUSED
        LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.RUNNING) lc.transition(LifeCycle.State.PAUSING);
        if (lc.getCurrentState() == LifeCycle.State.PAUSING) lc.transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        loadSnapshot(storage.loadLatestSnapshot());
        LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.PAUSED) {
            lc.transition(LifeCycle.State.STARTING);
            lc.transition(LifeCycle.State.RUNNING);
        }
        for (Runnable r : resetListeners) r.run();
    }

    private void loadSnapshot(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) return;
        Path file = snapshot.getFile().getPath();
        if (!Files.exists(file)) return;
        ClusterImage next = empty;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) continue;
            next = ImageApplier.apply(next, MetadataLog.parseRecord(line));
        }
        image = next.withController(image.controllerId());
        snapshotLoadedIndex = snapshot.getIndex();
        updateLastAppliedTermIndex(snapshot.getTermIndex());
        log.info("metadata snapshot loaded at index {} ({} topics)", snapshot.getIndex(), image.topics().size());
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last;
        ClusterImage img;
        synchronized (appliedLock) {
            last = getLastAppliedTermIndex();
            img = image;
        }
        if (last == null || last.getIndex() < 0) return RaftLog_INVALID;
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        StringBuilder sb = new StringBuilder();
        for (MetadataRecord r : ImageApplier.asRecords(img)) sb.append(MetadataLog.formatRecord(r)).append('\n');
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
        log.info("metadata snapshot taken at index {}", last.getIndex());
        return last.getIndex();
    }

    private static final long RaftLog_INVALID = -1;

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        RaftProtos.LogEntryProto entry = trx.getLogEntry();
        TermIndex ti = TermIndex.valueOf(entry);
        String data = entry.getStateMachineLogEntry().getLogData().toStringUtf8();
        String result = "ok";
        List<MetadataRecord> applied = new ArrayList<>();
        synchronized (appliedLock) {
            ClusterImage img = image;
            for (String line : data.split("\n")) {
                if (line.isEmpty()) continue;
                if (line.startsWith("active-controller ")) {
                    String[] claim = line.substring("active-controller ".length()).trim().split(" ");
                    int id = Integer.parseInt(claim[0]);
                    // A claim names the term its node led. One sent in an earlier term and committed in a later one
                    // (the node lagged behind its own lost leadership) is stale: it must not name a second
                    // controller for the term it lands in.
                    if (claim.length > 1 && Long.parseLong(claim[1]) != ti.getTerm()) {
                        log.info("metadata log: stale active-controller claim of node {} for epoch {} ignored in epoch {}",
                                id, claim[1], ti.getTerm());
                        result = "stale";
                        continue;
                    }
                    Integer prev = activeControllers.putIfAbsent(ti.getTerm(), id);
                    if (prev != null && prev != id) {
                        epochViolations.add("term " + ti.getTerm() + ": " + prev + " and " + id);
                        log.error("metadata log: two active controllers in epoch {}: {} and {}", ti.getTerm(), prev, id);
                    }
                    // A diagnostic the process tests read: epoch -> controller as this node's copy of the log has it.
                    log.info("metadata log: epoch {} active controller {} (index {})", ti.getTerm(), id, ti.getIndex());
                    img = img.withController(id);
                    continue;
                }
                if (ControllerCommand.isCommand(line)) {
                    ControllerCommand<?> command;
                    try {
                        command = ControllerCommand.parse(line);
                    } catch (RuntimeException e) {
                        log.error("unreadable controller command {} skipped: {}", ti, line, e);
                        result = "bad";
                        continue;
                    }
                    Judged judged = judge(img, command);
                    for (MetadataRecord r : judged.records()) {
                        img = ImageApplier.apply(img, r);
                        applied.add(r);
                    }
                    result = judged.reply();
                    continue;
                }
                MetadataRecord r;
                try {
                    r = MetadataLog.parseRecord(line);
                } catch (RuntimeException e) {
                    log.error("unreadable metadata entry {} skipped: {}", ti, line, e);
                    result = "bad";
                    continue;
                }
                if (r instanceof MetadataRecord.TopicCreated t && img.topic(t.name()) != null) {
                    result = "exists";
                    continue;
                }
                if (r instanceof MetadataRecord.TopicDeleted d) {
                    if (img.topic(d.name()) == null || !img.topic(d.name()).id().equals(d.id())) {
                        result = "missing";
                        continue;
                    }
                }
                if (r instanceof MetadataRecord.PartitionsAdded a) {
                    var t = img.topic(a.name());
                    if (t == null || !t.id().equals(a.id()) || a.partitions().isEmpty()
                            || a.partitions().get(0).partition() != t.partitionCount()) {
                        result = "stale";
                        continue;
                    }
                }
                if (r instanceof MetadataRecord.PartitionChanged c && !ReplicationControl.isNextChange(img, c)) {
                    result = "stale"; // computed from an image that has moved on; the controller decides again
                    continue;
                }
                if (r instanceof MetadataRecord.BrokerRegistered b && img.incarnation(b.id()) != null
                        && !img.incarnation(b.id()).equals(b.incarnation())) {
                    // A new process of a known broker: whatever the old one held is gone with it (it may have
                    // restarted faster than the session timeout, and may have lost unflushed writes). Treat it as
                    // fenced, then registered: its leaderships move to live ISR members and it leaves the ISRs
                    // (it rejoins by catching up); partitions it alone can lead get it back as leader.
                    for (MetadataRecord f : ReplicationControl.fence(img, b.id(), t -> false)) {
                        img = ImageApplier.apply(img, f);
                        applied.add(f);
                    }
                    img = ImageApplier.apply(img, r);
                    applied.add(r);
                    for (MetadataRecord u : ReplicationControl.unfence(img, b.id(), t -> false)) {
                        img = ImageApplier.apply(img, u);
                        applied.add(u);
                    }
                    continue;
                }
                if (r instanceof MetadataRecord.ProducerIdsBlockAllocated b && b.blockStart() < 0) {
                    r = new MetadataRecord.ProducerIdsBlockAllocated(b.brokerId(), img.nextProducerIdBlock(), b.blockSize());
                    result = "pid " + img.nextProducerIdBlock();
                }
                img = ImageApplier.apply(img, r);
                applied.add(r);
            }
            image = img;
            updateLastAppliedTermIndex(ti.getTerm(), ti.getIndex());
            entriesAppliedSinceStart++;
            appliedLock.notifyAll();
        }
        for (MetadataRecord r : applied) {
            if (r instanceof MetadataRecord.BrokerRegistered b) {
                // A registration counts as a heartbeat (a fresh session, as Kafka's controller gives one): without
                // it, a broker that restarted slower than the session timeout would be fenced again on its first
                // tick, before its first heartbeat arrives.
                heartbeats.put(b.id(), nanoClock.getAsLong());
                heartbeatIncarnations.put(b.id(), b.incarnation());
            }
            for (Consumer<MetadataRecord> l : listeners) {
                try {
                    l.accept(r);
                } catch (RuntimeException e) {
                    log.error("metadata listener failed on {}", r, e);
                }
            }
        }
        return CompletableFuture.completedFuture(Message.valueOf(result));
    }

    private record Judged(List<MetadataRecord> records, String reply) {
    }

    private static <R> Judged judge(ClusterImage image, ControllerCommand<R> command) {
        ReplicationControl.Outcome<R> outcome = command.evaluate(image);
        return new Judged(outcome.records(), command.encodeResult(outcome.result()));
    }

    /** Waits until the entry at {@code index} is applied here. */
    boolean awaitApplied(long index, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        synchronized (appliedLock) {
            while (true) {
                TermIndex last = getLastAppliedTermIndex();
                if (last != null && last.getIndex() >= index) return true;
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) return false;
                appliedLock.wait(left);
            }
        }
    }

    /** Heartbeats: {@code hb <id> <incarnation>}; answers {@code ok} or {@code register} (unknown incarnation). */
    @Override
    public CompletableFuture<Message> query(Message request) {
        String[] f = request.getContent().toStringUtf8().split(" ");
        if (f.length == 3 && f[0].equals("hb")) {
            int id = Integer.parseInt(f[1]);
            if (!f[2].equals(image.incarnation(id))) return CompletableFuture.completedFuture(Message.valueOf("register"));
            heartbeats.put(id, nanoClock.getAsLong());
            heartbeatIncarnations.put(id, f[2]);
            return CompletableFuture.completedFuture(Message.valueOf("ok"));
        }
        if (f.length == 1 && f[0].equals("quorum")) { // DescribeQuorum forwarded by another node to this leader
            try {
                io.fjord.metadata.QuorumInfo q = QuorumDescriber.describe(getServer().get().getDivision(getGroupId()),
                        System.currentTimeMillis());
                return CompletableFuture.completedFuture(Message.valueOf(q == null ? "not-leader" : q.encode()));
            } catch (Exception e) {
                return CompletableFuture.completedFuture(Message.valueOf("error " + e));
            }
        }
        return CompletableFuture.completedFuture(Message.valueOf("unknown"));
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        heartbeats.clear(); // a new term: the new leader gives every broker a full session from now
    }
}
