package io.fjord.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.protocol.api.Errors;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.ControlRecords;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.storage.TestBatches.ManualClock;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log side of transactions: open transactions in the producer state, the last stable offset, the aborted
 * transaction index across roll, truncation, retention, restart and crash, and the marker checks.
 */
class TransactionLogTest {
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final long A = 1000L, B = 2000L, PLAIN = 3000L;

    @TempDir
    Path root;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private PartitionLog log;

    @AfterEach
    void closeLog() {
        if (log != null) log.close();
    }

    private Path dir() {
        return root.resolve("t-0");
    }

    private PartitionLog open(LogConfig cfg, boolean clean) {
        return PartitionLog.open(dir(), "t", 0, TOPIC_ID, cfg, clock, clean);
    }

    static ByteBuffer txnBatch(long pid, int epoch, int seq, int records, boolean transactional) {
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE).producer(pid, (short) epoch, seq)
                .transactional(transactional);
        for (int i = 0; i < records; i++) b.append(1_000L + i, ("k" + i).getBytes(), new byte[40]);
        return b.build();
    }

    private long write(long pid, int epoch, int seq, int records) {
        return log.append(txnBatch(pid, epoch, seq, records, true)).firstOffset();
    }

    private long marker(long pid, int epoch, boolean commit) {
        return log.appendMarker(pid, (short) epoch, commit, 0, 1, 0).firstOffset();
    }

    private void hwToEnd() {
        log.updateHighWatermark(log.logEndOffset());
    }

    @Test
    void lastStableOffsetStopsAtTheFirstOpenTransactionUntilItsMarkerIsReplicated() {
        log = open(LogConfig.DEFAULT, true);
        log.append(txnBatch(PLAIN, 0, 0, 3, false)); // 0-2
        long a = write(A, 0, 0, 2);                 // 3-4
        long b = write(B, 0, 0, 2);                 // 5-6
        hwToEnd();
        assertThat(log.highWatermark()).isEqualTo(7);
        assertThat(log.lastStableOffset()).isEqualTo(a);
        long ma = marker(A, 0, true);                // 7
        assertThat(log.lastStableOffset()).as("B still open").isEqualTo(a); // A's marker above the HW
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(b);
        long mb = marker(B, 0, false);               // 8
        assertThat(log.lastStableOffset()).as("B's abort not replicated").isEqualTo(b);
        log.updateHighWatermark(mb);
        assertThat(log.lastStableOffset()).as("HW at the marker, not past it").isEqualTo(b);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark()).isEqualTo(9);
        assertThat(ma).isEqualTo(7);
        assertThat(log.abortedTransactions(0, 9)).containsExactly(new AbortedTxn(B, b, mb, 9));
        assertThat(log.producerState().openTransactionStart(A)).isEqualTo(-1);
    }

    @Test
    void abortEntryRecordsTheNextOpenTransactionAsItsStableOffsetAndIsKafkasLayoutOnDisk() throws Exception {
        log = open(LogConfig.DEFAULT, true);
        long a = write(A, 0, 0, 2);  // 0-1
        long b = write(B, 0, 0, 1);  // 2
        long ma = marker(A, 0, false); // 3
        hwToEnd();
        AbortedTxn expected = new AbortedTxn(A, a, ma, b);
        assertThat(log.abortedTransactions(0, log.lastStableOffset())).containsExactly(expected);
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(dir().resolve("00000000000000000000.txnindex")));
        assertThat(file.remaining()).isEqualTo(34);
        assertThat(file.getShort()).isZero();
        assertThat(new AbortedTxn(file.getLong(), file.getLong(), file.getLong(), file.getLong())).isEqualTo(expected);
        // A range entirely after the marker does not see it; one ending at or before the data start neither.
        assertThat(log.abortedTransactions(ma + 1, 100)).isEmpty();
        assertThat(log.abortedTransactions(0, a)).isEmpty();
    }

    private void assertRefused(Runnable r, Errors error) {
        long end = log.logEndOffset();
        assertThatThrownBy(r::run).isInstanceOf(ProducerStateException.class)
                .extracting(e -> ((ProducerStateException) e).error()).isEqualTo(error);
        assertThat(log.logEndOffset()).isEqualTo(end);
    }

    @Test
    void produceAndMarkerChecksFollowKafka() {
        log = open(LogConfig.DEFAULT, true);
        write(A, 3, 0, 1);
        assertRefused(() -> log.append(txnBatch(A, 3, 1, 1, false)), Errors.INVALID_TXN_STATE);
        assertRefused(() -> log.append(txnBatch(A, 2, 0, 1, true)), Errors.INVALID_PRODUCER_EPOCH);
        assertRefused(() -> log.appendMarker(A, (short) 2, true, 0, 1, 0), Errors.INVALID_PRODUCER_EPOCH);
        // Transaction version 2: the coordinator bumps the epoch for the marker, so an equal epoch is refused...
        assertRefused(() -> log.appendMarker(A, (short) 3, true, 0, 2, 0), Errors.INVALID_PRODUCER_EPOCH);
        log.appendMarker(A, (short) 4, true, 5, 2, 0);
        // ...unless nothing is open any more: a retried marker.
        log.appendMarker(A, (short) 4, true, 5, 2, 0);
        assertRefused(() -> log.appendMarker(A, (short) 4, false, 4, 1, 0), Errors.TRANSACTION_COORDINATOR_FENCED);
        assertThat(log.producerState().epochOf(A)).isEqualTo((short) 4);
        // The new epoch starts its sequences at 0.
        write(A, 4, 0, 1);
    }

    @Test
    void afterAMarkerBumpsTheEpochTheNextBatchMustStartAtSequenceZero() {
        log = open(LogConfig.DEFAULT, true);
        write(A, 3, 0, 2);
        log.appendMarker(A, (short) 4, true, 0, 2, 0); // transaction version 2: the marker carries epoch 4
        // A later batch of epoch 4 arriving before the first one (which is being retried) is out of order.
        assertRefused(() -> log.append(txnBatch(A, 4, 5, 1, true)), Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        write(A, 4, 0, 5);
        write(A, 4, 5, 1);
        assertThat(log.producerState().lastSequenceOf(A)).isEqualTo(5);
    }

    @Test
    void aMarkerWhileTheBatchWasBeingVerifiedStopsItFromOpeningATransaction() {
        log = open(LogConfig.DEFAULT, true);
        // KIP-890 part 1: the guard is read, the coordinator says the partition is in the transaction, and then the
        // transaction's marker lands before the batch: the batch would open a new transaction nobody will end.
        assertThat(log.hasOngoingTransaction(A, (short) 0)).isFalse();
        long guard = log.verificationGuard(A);
        write(B, 0, 0, 1); // other producers do not disturb A's guard
        marker(B, 0, true);
        marker(A, 0, true);
        assertRefused(() -> log.append(txnBatch(A, 0, 0, 1, true), guard), Errors.INVALID_TXN_STATE);
        assertThat(log.hasOngoingTransaction(A, (short) 0)).isFalse();
        // With an unchanged guard it opens the transaction; later batches of it need no guard (it is open).
        long fresh = log.verificationGuard(A);
        log.append(txnBatch(A, 0, 0, 1, true), fresh);
        assertThat(log.hasOngoingTransaction(A, (short) 0)).isTrue();
        assertThat(log.hasOngoingTransaction(A, (short) 1)).isFalse();
        log.append(txnBatch(A, 0, 1, 1, true), guard); // stale guard, but the transaction is already open here
        assertThat(log.producerState().openTransactionStart(A)).isGreaterThanOrEqualTo(0);
        // Without a guard (verification off) nothing is checked.
        marker(A, 0, false);
        log.append(txnBatch(A, 0, 2, 1, true));
        assertThat(log.hasOngoingTransaction(A, (short) 0)).isTrue();
    }

    @Test
    void markerForAProducerWithNothingOpenIsWrittenAndChangesNoTransaction() {
        log = open(LogConfig.DEFAULT, true);
        long b = write(B, 0, 0, 2);
        long end = log.logEndOffset();
        long m = marker(A, 0, false);
        assertThat(m).isEqualTo(end);
        assertThat(log.logEndOffset()).isEqualTo(end + 1);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(b);
        assertThat(log.abortedTransactions(0, Long.MAX_VALUE)).isEmpty();
        assertThat(log.activeProducers()).extracting(ProducerStateManager.ProducerInfo::producerId).containsExactly(A, B);
        assertThat(log.activeProducers().get(1).currentTxnStartOffset()).isEqualTo(b);
        assertThat(log.activeProducers().get(0).currentTxnStartOffset()).isEqualTo(-1);
    }

    @Test
    void entriesLiveInTheMarkersSegmentAndAreFoundFromEarlierSegments() {
        log = open(LogConfig.DEFAULT, true);
        long a = write(A, 0, 0, 3);
        log.roll();
        for (int i = 0; i < 3; i++) log.append(txnBatch(PLAIN, 0, i, 1, false));
        log.roll();
        long m = marker(A, 0, false);
        hwToEnd();
        LogSegment holder = log.segments().get(log.segments().size() - 1);
        assertThat(holder.txnIndex().entries()).containsExactly(new AbortedTxn(A, a, m, m + 1));
        assertThat(log.segments().get(0).txnIndex().entries()).isEmpty();
        assertThat(Files.exists(log.segments().get(0).txnIndex().file())).isFalse();
        assertThat(log.abortedTransactions(a, m)).containsExactly(new AbortedTxn(A, a, m, m + 1));
        assertThat(log.abortedTransactions(a + 1, a + 2)).hasSize(1);
        // Retention of the segments holding the data keeps the marker's segment and its index.
        log.deleteOldSegments((seg, endOffset) -> seg.baseOffset() < m, log.highWatermark(), "test");
        assertThat(log.logStartOffset()).isEqualTo(holder.baseOffset());
        assertThat(log.abortedTransactions(log.logStartOffset(), log.logEndOffset())).hasSize(1);
        // And once the marker's segment goes too, so does its index file.
        log.roll();
        log.deleteOldSegments((seg, endOffset) -> true, log.highWatermark(), "test");
        assertThat(Files.exists(holder.txnIndex().file())).isFalse();
    }

    @Test
    void openTransactionsSurviveACleanRestartThroughTheSnapshot() throws Exception {
        log = open(LogConfig.DEFAULT, true);
        log.append(txnBatch(PLAIN, 0, 0, 2, false));
        long a = write(A, 1, 0, 2);
        long b = write(B, 0, 0, 1);
        marker(B, 0, false);
        hwToEnd();
        log.close();
        assertThat(ProducerStateManager.snapshotOffsets(dir())).containsExactly(log.logEndOffset());
        log = open(LogConfig.DEFAULT, true);
        assertThat(log.lastStableOffset()).isEqualTo(a);
        assertThat(log.producerState().openTransactionStart(A)).isEqualTo(a);
        assertThat(log.abortedTransactions(0, 100)).containsExactly(new AbortedTxn(B, b, b + 1, a));
        long m = marker(A, 1, false);
        hwToEnd();
        assertThat(log.abortedTransactions(0, 100)).containsExactly(new AbortedTxn(B, b, b + 1, a),
                new AbortedTxn(A, a, m, m + 1));
    }

    @Test
    void aCrashRebuildsLostIndexEntriesAndOpenTransactionsFromTheBatches() throws Exception {
        log = open(LogConfig.DEFAULT, true);
        long a = write(A, 0, 0, 2);
        log.roll(); // a snapshot at the roll, then more: the crash loses what the snapshot does not know
        long b = write(B, 0, 0, 2);
        long ma = marker(A, 0, false);
        long mb = marker(B, 0, true);
        long c = write(A, 1, 0, 1);
        hwToEnd();
        List<AbortedTxn> before = log.abortedTransactions(0, 100);
        assertThat(before).containsExactly(new AbortedTxn(A, a, ma, b));
        // Simulate kill -9 with the index file lost: no clean shutdown, no close; the .txnindex is deleted.
        Path idx = log.segments().get(1).txnIndex().file();
        Files.delete(idx);
        log = open(LogConfig.DEFAULT, false);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.abortedTransactions(0, 100)).isEqualTo(before);
        assertThat(Files.exists(idx)).isTrue();
        assertThat(log.producerState().openTransactionStart(A)).isEqualTo(c);
        assertThat(log.lastStableOffset()).isEqualTo(c);
        assertThat(mb).isEqualTo(ma + 1);
    }

    @Test
    void truncationBelowAMarkerReopensTheTransactionAndDropsItsEntry() {
        log = open(LogConfig.DEFAULT, true);
        long a = write(A, 0, 0, 2);
        long m = marker(A, 0, false);
        write(B, 0, 0, 1);
        hwToEnd();
        assertThat(log.abortedTransactions(0, 100)).hasSize(1);
        log.truncateTo(m);
        assertThat(log.logEndOffset()).isEqualTo(m);
        assertThat(log.abortedTransactions(0, 100)).isEmpty();
        assertThat(log.segments().get(0).txnIndex().entries()).isEmpty();
        assertThat(log.producerState().openTransactionStart(A)).isEqualTo(a);
        assertThat(log.lastStableOffset()).isEqualTo(a);
        assertThat(log.producerState().openTransactionStart(B)).isEqualTo(-1);
        // The leader's marker arrives again through replication: the same entry comes back.
        ByteBuffer again = ControlRecords.endTxnMarker(m, 5L, 0, A, (short) 0, false, 0);
        log.appendAsFollower(again);
        assertThat(log.abortedTransactions(0, 100)).containsExactly(new AbortedTxn(A, a, m, m + 1));
        log.truncateFullyAndStartAt(50);
        assertThat(log.abortedTransactions(0, 100)).isEmpty();
        assertThat(log.lastStableOffset()).isEqualTo(50);
    }

    @Test
    void aFollowerBuildsTheSameStateFromTheLeadersBatches() throws Exception {
        log = open(LogConfig.DEFAULT, true);
        long a = write(A, 0, 0, 3);
        write(B, 0, 0, 1);
        log.roll();
        marker(A, 0, false);
        marker(B, 0, true);
        write(A, 1, 0, 2);
        marker(A, 1, false);
        hwToEnd();
        List<AbortedTxn> leaderEntries = log.abortedTransactions(0, 1000);
        ByteBuffer all = readAll(log);
        Path followerDir = root.resolve("follower").resolve("t-0");
        PartitionLog follower = PartitionLog.open(followerDir, "t", 0, TOPIC_ID, LogConfig.DEFAULT,
                clock, true);
        try {
            follower.appendAsFollower(all);
            follower.updateHighWatermark(follower.logEndOffset());
            assertThat(follower.abortedTransactions(0, 1000)).isEqualTo(leaderEntries).hasSize(2);
            assertThat(follower.lastStableOffset()).isEqualTo(log.lastStableOffset());
            assertThat(follower.activeProducers()).isEqualTo(log.activeProducers());
            assertThat(a).isZero();
        } finally {
            follower.close();
        }
    }

    static ByteBuffer readAll(PartitionLog l) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long next = l.logStartOffset();
        while (next < l.logEndOffset()) {
            LogReadResult r = l.read(next, 1 << 20);
            ByteBuffer b = r.records().readAll();
            int p = 0;
            long last = next;
            while (p < b.limit()) {
                last = io.fjord.protocol.record.RecordBatch.lastOffset(b, p);
                p += io.fjord.protocol.record.RecordBatch.sizeInBytes(b, p);
            }
            byte[] bytes = new byte[b.limit()];
            b.duplicate().position(0).get(bytes);
            out.write(bytes);
            next = last + 1;
        }
        return ByteBuffer.wrap(out.toByteArray());
    }
}
