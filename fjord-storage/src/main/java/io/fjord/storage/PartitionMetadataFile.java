package io.fjord.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.UUID;

/**
 * The {@value #FILE_NAME} file of a partition directory, which ties the directory to its topic id (Kafka's
 * format, a text file):
 * <pre>
 * version: 0
 * topic_id: &lt;topic id, Kafka's URL-safe base64 form of the 16 UUID bytes&gt;
 * </pre>
 * Written to {@code partition.metadata.tmp}, fsynced and renamed, once, when the log is created with an id.
 *
 * <p>Threading: stateless; called while the log is being opened.
 */
final class PartitionMetadataFile {
    static final String FILE_NAME = "partition.metadata";

    private PartitionMetadataFile() {
    }

    /**
     * Reconciles the stored topic id with {@code expected}: returns the stored id when {@code expected} is null,
     * writes {@code expected} when nothing is stored, and refuses a different stored id.
     *
     * @throws IllegalStateException if the directory belongs to another topic id
     */
    static UUID reconcile(Path dir, UUID expected) throws IOException {
        UUID stored = read(dir);
        if (expected == null) return stored;
        if (stored != null && !stored.equals(expected)) {
            throw new IllegalStateException("log " + dir + " belongs to topic id " + stored + ", not " + expected);
        }
        if (stored == null) write(dir, expected);
        return expected;
    }

    /** The stored topic id, or null if there is no file or no topic_id line. */
    static UUID read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) return null;
        UUID stored = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals("topic_id")) {
                stored = parseTopicId(line.substring(colon + 1).trim());
            }
        }
        return stored;
    }

    static void write(Path dir, UUID id) throws IOException {
        String text = "version: 0\ntopic_id: " + formatTopicId(id) + "\n";
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Kafka's textual topic id: URL-safe base64 without padding of the 16 big-endian bytes. */
    static String formatTopicId(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** Parses Kafka's base64 form, or a plain 36-character UUID. */
    static UUID parseTopicId(String s) {
        if (s.length() == 36) return UUID.fromString(s);
        ByteBuffer b = ByteBuffer.wrap(Base64.getUrlDecoder().decode(s));
        return new UUID(b.getLong(), b.getLong());
    }
}
