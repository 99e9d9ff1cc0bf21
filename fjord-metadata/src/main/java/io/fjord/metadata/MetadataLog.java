package io.fjord.metadata;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The single-node metadata log: one text line per {@link MetadataRecord}, appended and fsynced before the change
 * is visible. A line torn by a crash (no trailing newline, or unparsable) ends the replay and is cut off.
 *
 * <pre>
 * topic   &lt;name&gt; &lt;uuid&gt; &lt;partition&gt;:&lt;leader&gt;:&lt;leaderEpoch&gt;:&lt;replica,replica&gt;;... &lt;k=v&amp;k=v&gt;
 * configs &lt;name&gt; &lt;k=v&amp;k=v&gt;
 * partitions &lt;name&gt; &lt;uuid&gt; &lt;partition&gt;:&lt;leader&gt;:&lt;leaderEpoch&gt;:&lt;replica,replica&gt;;...
 * brokerconfigs &lt;resource, empty for the cluster default&gt; &lt;k=v&amp;k=v&gt;
 * delete  &lt;name&gt; &lt;uuid&gt;
 * </pre>
 * Names and config keys/values are URL-encoded. Not thread-safe: owned by the controller, which serialises writes.
 */
public final class MetadataLog implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;

    private MetadataLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens (creating if needed) the log and returns it with the records it already holds. */
    public static MetadataLog open(Path file, List<MetadataRecord> replayed) throws IOException {
        Files.createDirectories(file.getParent());
        long good = 0;
        if (Files.exists(file)) {
            byte[] all = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] != '\n') continue;
                String line = new String(all, start, i - start, StandardCharsets.UTF_8);
                MetadataRecord r;
                try {
                    r = parse(line);
                } catch (RuntimeException e) {
                    break;
                }
                replayed.add(r);
                start = i + 1;
                good = start;
            }
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        ch.truncate(good);
        ch.position(good);
        return new MetadataLog(file, ch);
    }

    public void append(MetadataRecord record) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap((format(record) + "\n").getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) channel.write(buf);
        channel.force(false);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    static String format(MetadataRecord record) {
        if (record instanceof MetadataRecord.TopicCreated t) {
            return "topic " + enc(t.name()) + " " + t.id() + " " + formatPartitions(t.partitions()) + " " + formatConfigs(t.configs());
        }
        if (record instanceof MetadataRecord.PartitionsAdded a) {
            return "partitions " + enc(a.name()) + " " + a.id() + " " + formatPartitions(a.partitions());
        }
        if (record instanceof MetadataRecord.BrokerConfigsSet b) {
            return "brokerconfigs " + enc(b.resource()) + " " + formatConfigs(b.configs());
        }
        if (record instanceof MetadataRecord.TopicConfigsSet c) {
            return "configs " + enc(c.name()) + " " + formatConfigs(c.configs());
        }
        if (record instanceof MetadataRecord.ProducerIdsBlockAllocated b) {
            return "producer-ids " + b.brokerId() + " " + b.blockStart() + " " + b.blockSize();
        }
        if (record instanceof MetadataRecord.BrokerRegistered b) {
            return "broker " + b.id() + " " + enc(b.incarnation()) + " " + enc(b.host()) + " " + b.port() + " "
                    + (b.rack() == null ? "-" : "r" + enc(b.rack()));
        }
        if (record instanceof MetadataRecord.BrokerFenced f) return "fence " + f.id();
        if (record instanceof MetadataRecord.BrokerUnfenced u) return "unfence " + u.id();
        if (record instanceof MetadataRecord.PartitionChanged c) {
            return "partition-change " + enc(c.topic()) + " " + c.topicId() + " " + c.partition() + " " + c.leader() + " "
                    + c.leaderEpoch() + " " + c.partitionEpoch() + " " + String.join(",", c.isr().stream().map(String::valueOf).toList());
        }
        MetadataRecord.TopicDeleted d = (MetadataRecord.TopicDeleted) record;
        return "delete " + enc(d.name()) + " " + d.id();
    }

    private static List<Integer> parseInts(String s) {
        List<Integer> l = new ArrayList<>();
        if (s.isEmpty()) return l;
        for (String x : s.split(",")) l.add(Integer.parseInt(x));
        return l;
    }

    /** One record as a line of this log's text format (no newline). */
    public static String formatRecord(MetadataRecord record) {
        return format(record);
    }

    /** Parses a line written by {@link #formatRecord}. */
    public static MetadataRecord parseRecord(String line) {
        return parse(line);
    }

    static MetadataRecord parse(String line) {
        String[] f = line.split(" ", -1);
        switch (f[0]) {
            case "topic" -> {
                return new MetadataRecord.TopicCreated(dec(f[1]), UUID.fromString(f[2]), parsePartitions(f[3]),
                        parseConfigs(f[4]));
            }
            case "partitions" -> {
                return new MetadataRecord.PartitionsAdded(dec(f[1]), UUID.fromString(f[2]), parsePartitions(f[3]));
            }
            case "brokerconfigs" -> {
                return new MetadataRecord.BrokerConfigsSet(dec(f[1]), parseConfigs(f[2]));
            }
            case "configs" -> {
                return new MetadataRecord.TopicConfigsSet(dec(f[1]), parseConfigs(f[2]));
            }
            case "delete" -> {
                return new MetadataRecord.TopicDeleted(dec(f[1]), UUID.fromString(f[2]));
            }
            case "producer-ids" -> {
                return new MetadataRecord.ProducerIdsBlockAllocated(Integer.parseInt(f[1]), Long.parseLong(f[2]),
                        Integer.parseInt(f[3]));
            }
            case "broker" -> {
                return new MetadataRecord.BrokerRegistered(Integer.parseInt(f[1]), dec(f[2]), dec(f[3]),
                        Integer.parseInt(f[4]), f[5].equals("-") ? null : dec(f[5].substring(1)));
            }
            case "fence" -> {
                return new MetadataRecord.BrokerFenced(Integer.parseInt(f[1]));
            }
            case "unfence" -> {
                return new MetadataRecord.BrokerUnfenced(Integer.parseInt(f[1]));
            }
            case "partition-change" -> {
                return new MetadataRecord.PartitionChanged(dec(f[1]), UUID.fromString(f[2]), Integer.parseInt(f[3]),
                        Integer.parseInt(f[4]), parseInts(f[7]), Integer.parseInt(f[5]), Integer.parseInt(f[6]));
            }
            default -> throw new IllegalArgumentException("unknown metadata record: " + line);
        }
    }

    private static String formatPartitions(List<PartitionState> partitions) {
        List<String> parts = new ArrayList<>();
        for (PartitionState p : partitions) {
            String s = p.partition() + ":" + p.leader() + ":" + p.leaderEpoch() + ":"
                    + String.join(",", p.replicas().stream().map(String::valueOf).toList());
            if (!p.isr().equals(p.replicas()) || p.partitionEpoch() != 0) { // older lines have neither
                s += ":" + String.join(",", p.isr().stream().map(String::valueOf).toList()) + ":" + p.partitionEpoch();
            }
            parts.add(s);
        }
        return String.join(";", parts);
    }

    private static List<PartitionState> parsePartitions(String s) {
        List<PartitionState> parts = new ArrayList<>();
        for (String p : s.split(";")) {
            String[] q = p.split(":");
            List<Integer> replicas = new ArrayList<>();
            for (String r : q[3].split(",")) replicas.add(Integer.parseInt(r));
            List<Integer> isr = q.length > 4 ? parseInts(q[4]) : replicas;
            int partitionEpoch = q.length > 5 ? Integer.parseInt(q[5]) : 0;
            parts.add(new PartitionState(Integer.parseInt(q[0]), replicas, isr, Integer.parseInt(q[1]),
                    Integer.parseInt(q[2]), partitionEpoch));
        }
        return parts;
    }

    private static String formatConfigs(Map<String, String> configs) {
        List<String> kv = new ArrayList<>();
        configs.forEach((k, v) -> kv.add(enc(k) + "=" + enc(v)));
        return String.join("&", kv);
    }

    private static Map<String, String> parseConfigs(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        if (s.isEmpty()) return m;
        for (String kv : s.split("&")) {
            int eq = kv.indexOf('=');
            m.put(dec(kv.substring(0, eq)), dec(kv.substring(eq + 1)));
        }
        return m;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
