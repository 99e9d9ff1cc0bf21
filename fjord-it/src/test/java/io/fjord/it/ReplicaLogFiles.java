package io.fjord.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a partition folder's segment files ({@code <20-digit base offset>.log}) straight from disk, without Fjord's
 * code, and compares replicas. Each file is a sequence of record batches (magic 2); the fields read are those of the
 * batch header, big-endian:
 * <pre>
 *   0 baseOffset int64 | 8 batchLength int32 (bytes after this field) | 12 partitionLeaderEpoch int32 | 16 magic int8
 *  17 crc uint32 (CRC-32C of bytes 21..end) | 21 attributes int16 | 23 lastOffsetDelta int32 | ... 61 bytes in all
 * </pre>
 * Replicas must hold the same batches: same base offset, same last offset delta and the same CRC (which covers
 * everything but the base offset and the leader epoch, so a follower that re-encoded a batch would show). Stateless.
 */
final class ReplicaLogFiles {
    private static final int HEADER_BYTES = 61;
    private static final int LOG_OVERHEAD = 12; // baseOffset + batchLength

    private ReplicaLogFiles() {
    }

    /** The header fields of one batch that replicas must agree on, plus the epoch of the leader that wrote it. */
    record Batch(long baseOffset, int lastOffsetDelta, long crc, int leaderEpoch) {
        long lastOffset() {
            return baseOffset + lastOffsetDelta;
        }

        /** What must be equal across replicas. */
        String identity() {
            return baseOffset + "+" + lastOffsetDelta + "/crc=" + Long.toHexString(crc);
        }
    }

    /**
     * Every batch of the partition folder, in offset order (segments by name). Read after a clean stop, so a torn
     * tail (bytes that are not a whole batch: what a kill -9 can leave, and recovery must cut) fails.
     */
    static List<Batch> batches(Path partitionDir) throws IOException {
        List<Path> segments;
        try (Stream<Path> s = Files.list(partitionDir)) {
            segments = s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
        }
        List<Batch> out = new ArrayList<>();
        for (Path seg : segments) readSegment(seg, out);
        return out;
    }

    private static void readSegment(Path seg, List<Batch> out) throws IOException {
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            while (pos < size) {
                if (pos + HEADER_BYTES > size) throw torn(seg, pos, size);
                header.clear();
                while (header.hasRemaining() && ch.read(header, pos + header.position()) > 0) {
                    // read the whole header
                }
                long baseOffset = header.getLong(0);
                int batchLength = header.getInt(8);
                if (batchLength < HEADER_BYTES - LOG_OVERHEAD || pos + LOG_OVERHEAD + batchLength > size) {
                    throw torn(seg, pos, size);
                }
                byte magic = header.get(16);
                if (magic != 2) throw new AssertionError(seg + " @" + pos + ": magic " + magic + ", not a v2 batch");
                out.add(new Batch(baseOffset, header.getInt(23), Integer.toUnsignedLong(header.getInt(17)),
                        header.getInt(12)));
                pos += LOG_OVERHEAD + batchLength;
            }
        }
    }

    private static AssertionError torn(Path seg, long pos, long size) {
        return new AssertionError(seg + ": " + (size - pos) + " bytes at position " + pos + " are not a whole batch");
    }

    /** The log end offset the batches imply (last offset + 1), or -1 for none. */
    static long endOffset(List<Batch> batches) {
        return batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastOffset() + 1;
    }

    /**
     * Asserts that the replicas ({@code node id -> batches}) hold the same batch sequence up to the shortest one's
     * end, and that each reaches {@code highWatermark} (holds every offset below it). Returns a one-line summary.
     */
    static String assertReplicasAgree(String partition, Map<Integer, List<Batch>> replicas, long highWatermark) {
        int shortest = replicas.values().stream().mapToInt(List::size).min().orElseThrow();
        Map.Entry<Integer, List<Batch>> reference = replicas.entrySet().iterator().next();
        for (Map.Entry<Integer, List<Batch>> e : replicas.entrySet()) {
            for (int i = 0; i < shortest; i++) {
                Batch want = reference.getValue().get(i);
                Batch got = e.getValue().get(i);
                if (!want.identity().equals(got.identity())) {
                    throw new AssertionError(partition + ": batch #" + i + " differs: node " + reference.getKey() + " has "
                            + want + ", node " + e.getKey() + " has " + got + "; around it: node " + reference.getKey()
                            + " " + around(reference.getValue(), i) + ", node " + e.getKey() + " " + around(e.getValue(), i));
                }
            }
            ReplicaLogFiles.Batch prev = null;
            for (ReplicaLogFiles.Batch b : e.getValue()) {
                // Leader epochs never go back along a log: a batch of an older leader after a newer one's means a
                // stale leader's write survived truncation.
                if (prev != null && b.leaderEpoch() < prev.leaderEpoch()) {
                    throw new AssertionError(partition + ": node " + e.getKey() + " has " + b + " (epoch "
                            + b.leaderEpoch() + ") after " + prev);
                }
                if (prev != null && b.baseOffset() <= prev.lastOffset()) {
                    throw new AssertionError(partition + ": node " + e.getKey() + " has " + b + " overlapping " + prev);
                }
                prev = b;
            }
            long end = endOffset(e.getValue());
            if (highWatermark > 0 && end < highWatermark) {
                throw new AssertionError(partition + ": node " + e.getKey() + " ends at " + end
                        + ", below the high watermark " + highWatermark + " (" + e.getValue().size() + " batches)");
            }
        }
        StringBuilder b = new StringBuilder(partition).append(": high watermark ").append(highWatermark);
        replicas.forEach((id, list) -> b.append(", node ").append(id).append(' ').append(list.size())
                .append(" batches to ").append(endOffset(list)));
        return b.toString();
    }

    private static List<Batch> around(List<Batch> list, int i) {
        return list.subList(Math.max(0, i - 2), Math.min(list.size(), i + 3));
    }

    /** The batch holding {@code offset}, or null. */
    static Batch batchHolding(List<Batch> batches, long offset) {
        for (Batch b : batches) if (b.baseOffset() <= offset && offset <= b.lastOffset()) return b;
        return null;
    }
}
