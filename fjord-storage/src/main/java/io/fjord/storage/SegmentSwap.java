package io.fjord.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The file protocol by which the log cleaner replaces closed segments covering offsets {@code [base, end)} with one
 * rewritten segment, crash-safe at every step:
 * <ol>
 * <li>the cleaner writes and fsyncs {@code <20-digit base>.<20-digit end>.cleaned} (plain batches, no indexes);</li>
 * <li>{@link #install} renames it to {@code <base>.<end>.swap}: the commit point;</li>
 * <li>deletes the old segments' files, renames the {@code .swap} to {@code <base>.log} and loads it (indexes
 *     rebuilt).</li>
 * </ol>
 * On open, {@link #recoverInterrupted} deletes {@code .cleaned} leftovers (not committed) and completes every
 * {@code .swap} (committed): the files of segments based in {@code [base, end)} are deleted and the swap installed.
 *
 * <p>Threading: {@link #install} runs under the partition's append lock; {@link #recoverInterrupted} while the log
 * is being opened.
 */
final class SegmentSwap {
    private static final Logger log = LoggerFactory.getLogger(SegmentSwap.class);
    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";

    private SegmentSwap() {
    }

    static Path cleanedFile(Path dir, long base, long end) {
        return dir.resolve(String.format("%020d.%020d%s", base, end, CLEANED_SUFFIX));
    }

    /**
     * Steps 2 and 3 for {@code cleaned} replacing {@code old} (whose first base is {@code base}); {@code hook} is
     * told each step ("before-swap", "swapped", "deleted-&lt;base&gt;", "installed"), for crash tests.
     *
     * @return the installed segment, to be put in the segment map in place of {@code old}
     */
    static LogSegment install(Path dir, long base, List<LogSegment> old, Path cleaned, LogConfig config, long nowMs,
                              Consumer<String> hook) throws IOException {
        String stem = cleaned.getFileName().toString();
        Path swap = dir.resolve(stem.substring(0, stem.length() - CLEANED_SUFFIX.length()) + SWAP_SUFFIX);
        hook.accept("before-swap");
        Files.move(cleaned, swap, StandardCopyOption.ATOMIC_MOVE);
        LogManager.fsyncDir(dir);
        hook.accept("swapped");
        // The replaced segments' aborted-transaction entries now belong to the one segment (recovery redoes this).
        TransactionIndex.mergeInto(dir, old.stream().map(LogSegment::baseOffset).toList());
        for (LogSegment s : old) {
            if (s.baseOffset() == base) s.deleteFilesKeepingTxnIndex();
            else s.deleteFiles();
            hook.accept("deleted-" + s.baseOffset());
        }
        Files.move(swap, dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)), StandardCopyOption.ATOMIC_MOVE);
        LogManager.fsyncDir(dir);
        hook.accept("installed");
        return LogSegment.load(dir, base, config, false, false, false, nowMs);
    }

    /** Deletes half-written {@code .cleaned} files and completes committed {@code .swap}s. */
    static void recoverInterrupted(Path dir) throws IOException {
        List<Path> swaps = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(CLEANED_SUFFIX)) Files.deleteIfExists(p);
                else if (name.endsWith(SWAP_SUFFIX)) swaps.add(p);
            }
        }
        for (Path swap : swaps) {
            String name = swap.getFileName().toString();
            long base;
            long end;
            try {
                base = Long.parseLong(name.substring(0, 20));
                end = Long.parseLong(name.substring(21, 41));
            } catch (RuntimeException e) {
                log.warn("Ignoring unparsable swap file {}", swap);
                continue;
            }
            log.info("Completing interrupted segment replacement {} of {}", name, dir);
            java.util.TreeSet<Long> txnBases = new java.util.TreeSet<>();
            txnBases.add(base);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + TransactionIndex.SUFFIX)) {
                for (Path p : ds) {
                    Long b = LogLoader.parseBase(p.getFileName().toString(), TransactionIndex.SUFFIX);
                    if (b != null && b >= base && b < end) txnBases.add(b);
                }
            }
            TransactionIndex.mergeInto(dir, new ArrayList<>(txnBases));
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    boolean txn = n.endsWith(TransactionIndex.SUFFIX);
                    if (!(n.endsWith(LogSegment.LOG_SUFFIX) || n.endsWith(LogSegment.INDEX_SUFFIX)
                            || n.endsWith(LogSegment.TIME_INDEX_SUFFIX) || txn)) continue;
                    Long b = LogLoader.parseBase(n, n.substring(n.lastIndexOf('.')));
                    if (b != null && b >= base && b < end && !(txn && b == base)) Files.deleteIfExists(p);
                }
            }
            Files.move(swap, dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)),
                    StandardCopyOption.ATOMIC_MOVE);
        }
        if (!swaps.isEmpty()) LogManager.fsyncDir(dir);
    }
}
