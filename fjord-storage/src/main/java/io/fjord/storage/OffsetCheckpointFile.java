package io.fjord.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A per-log-dir offset checkpoint in Kafka's text format (used for {@value #RECOVERY_POINT},
 * {@value #LOG_START_OFFSET} and {@value #REPLICATION_OFFSET}, the high watermarks):
 * <pre>
 * 0                        version
 * 2                        number of entries
 * orders 0 1200            topic partition offset
 * orders 1 980
 * </pre>
 * Written whole to {@code <name>.tmp}, fsynced, then renamed over the old file, so a reader sees the old or the new
 * file, never a mix. A missing or unreadable file reads as empty (the caller then falls back to safe defaults).
 */
public final class OffsetCheckpointFile {
    private static final Logger log = LoggerFactory.getLogger(OffsetCheckpointFile.class);
    public static final String RECOVERY_POINT = "recovery-point-offset-checkpoint";
    public static final String LOG_START_OFFSET = "log-start-offset-checkpoint";
    /** Kafka's name for the high-watermark checkpoint. */
    public static final String REPLICATION_OFFSET = "replication-offset-checkpoint";
    private static final int VERSION = 0;

    private final Path file;

    public OffsetCheckpointFile(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public synchronized void write(Map<LogManager.TopicPartition, Long> offsets) throws IOException {
        StringBuilder sb = new StringBuilder(32 + offsets.size() * 32);
        sb.append(VERSION).append('\n').append(offsets.size()).append('\n');
        offsets.forEach((tp, off) -> sb.append(tp.topic()).append(' ').append(tp.partition()).append(' ')
                .append(off).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The entries, or an empty map if the file is missing or malformed (logged). */
    public Map<LogManager.TopicPartition, Long> read() {
        Map<LogManager.TopicPartition, Long> out = new HashMap<>();
        if (!Files.exists(file)) return out;
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
                throw new IllegalArgumentException("bad header");
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (lines.size() < 2 + count) throw new IllegalArgumentException("expected " + count + " entries");
            for (int i = 2; i < 2 + count; i++) {
                String[] f = lines.get(i).trim().split(" ");
                if (f.length != 3) throw new IllegalArgumentException("bad line " + lines.get(i));
                out.put(new LogManager.TopicPartition(f[0], Integer.parseInt(f[1])), Long.parseLong(f[2]));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring malformed checkpoint {}: {}", file, e.toString());
            return new HashMap<>();
        }
    }
}
