package io.fjord.storage.cleaner;

import io.fjord.storage.LogManager.TopicPartition;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@value #FILE_NAME} file of a log dir: for each compacted partition in the dir, the offset where its dirty
 * (not yet cleaned) part starts. Kafka's text format:
 * <pre>
 * 0                      (version)
 * &lt;number of lines that follow&gt;
 * &lt;topic&gt; &lt;partition&gt; &lt;offset&gt;
 * </pre>
 * Written to a {@code .tmp} file, fsynced, then renamed over the old one.
 */
public final class CleanerCheckpoint {
    public static final String FILE_NAME = "cleaner-offset-checkpoint";

    private CleanerCheckpoint() {
    }

    /** Reads the checkpoint of {@code logDir}; a missing or malformed file reads as empty. */
    public static Map<TopicPartition, Long> read(Path logDir) {
        Map<TopicPartition, Long> out = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        Path file = logDir.resolve(FILE_NAME);
        if (!Files.exists(file)) return out;
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || !lines.get(0).trim().equals("0")) return out;
            int n = Integer.parseInt(lines.get(1).trim());
            for (int i = 0; i < n && i + 2 < lines.size(); i++) {
                String[] f = lines.get(i + 2).trim().split(" ");
                if (f.length != 3) continue;
                out.put(new TopicPartition(f[0], Integer.parseInt(f[1])), Long.parseLong(f[2]));
            }
        } catch (IOException | RuntimeException e) {
            out.clear();
        }
        return out;
    }

    public static void write(Path logDir, Map<TopicPartition, Long> offsets) throws IOException {
        StringBuilder sb = new StringBuilder("0\n").append(offsets.size()).append('\n');
        for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
            sb.append(e.getKey().topic()).append(' ').append(e.getKey().partition()).append(' ')
                    .append(e.getValue()).append('\n');
        }
        Path tmp = logDir.resolve(FILE_NAME + ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, logDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, logDir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
