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
 * is visible. A line torn by a crash (no trailing newline, or unparsable) ends the replay and is cut off. The Raft
 * log and its snapshots carry the same lines.
 *
 * <pre>
 * topic   &lt;name&gt; &lt;uuid&gt; &lt;partitions&gt; &lt;k=v&amp;k=v&gt;
 * configs &lt;name&gt; &lt;k=v&amp;k=v&gt;
 * partitions &lt;name&gt; &lt;uuid&gt; &lt;partitions&gt;
 * brokerconfigs &lt;resource, empty for the cluster default&gt; &lt;k=v&amp;k=v&gt;
 * delete  &lt;name&gt; &lt;uuid&gt;
 * producer-ids &lt;broker&gt; &lt;block start&gt; &lt;block size&gt;
 * broker  &lt;id&gt; &lt;incarnation&gt; &lt;host&gt; &lt;port&gt; &lt;- | r&lt;rack&gt;&gt; [&lt;endpoints&gt;]
 * scram   &lt;user&gt; &lt;mechanism&gt; &lt;salt&gt; &lt;storedKey&gt; &lt;serverKey&gt; &lt;iterations&gt;   (salt and keys base64)
 * scram-delete &lt;user&gt; &lt;mechanism&gt;
 * acl     &lt;resource type&gt; &lt;resource name&gt; &lt;pattern type&gt; &lt;principal&gt; &lt;host&gt; &lt;operation&gt; &lt;permission&gt;  (Kafka's codes)
 * acl-delete &lt;same fields as acl&gt;
 * client-quota &lt;user | !&gt; &lt;client id | !&gt; &lt;key&gt; &lt;value | remove&gt;   (! : the entity has no such part,
 *              a character URL-encoding never leaves; a default part is {@code <default>}, URL-encoded; the value a
 *              double in Java's text form)
 * feature &lt;name&gt; &lt;level&gt; &lt;finalized-features epoch&gt;
 * fence   &lt;id&gt;
 * unfence &lt;id&gt;
 * shutdown &lt;id&gt;                                   (controlled shutdown began)
 * unregister &lt;id&gt;                                 (decommissioned: registration removed)
 * partition-change &lt;topic&gt; &lt;uuid&gt; &lt;partition&gt; &lt;leader&gt; &lt;leaderEpoch&gt; &lt;partitionEpoch&gt; &lt;isr&gt;
 *                  [&lt;replicas&gt; &lt;adding&gt; &lt;removing&gt;]   (the three only when the assignment changes)
 *
 * &lt;partitions&gt;: &lt;p&gt;;&lt;p&gt;;... with each &lt;p&gt; one of
 *   &lt;partition&gt;:&lt;leader&gt;:&lt;leaderEpoch&gt;:&lt;replicas&gt;                                    (ISR = replicas, epoch 0)
 *   &lt;partition&gt;:&lt;leader&gt;:&lt;leaderEpoch&gt;:&lt;replicas&gt;:&lt;isr&gt;:&lt;partitionEpoch&gt;
 *   &lt;partition&gt;:&lt;leader&gt;:&lt;leaderEpoch&gt;:&lt;replicas&gt;:&lt;isr&gt;:&lt;partitionEpoch&gt;:&lt;adding&gt;:&lt;removing&gt;
 * lists of broker ids are comma-separated, possibly empty
 * &lt;endpoints&gt;: &lt;listener&gt;@&lt;host&gt;@&lt;port&gt;;... the broker's advertised Kafka listeners (absent when none
 *   were recorded); listener names and hosts URL-encoded
 * </pre>
 * Each line shape is the shortest that holds the record, so lines written before a field existed read as before.
 * Names, incarnations, hosts, racks and config keys/values are URL-encoded. Not thread-safe: owned by the
 * controller, which serialises writes.
 */
public final class MetadataLog implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private long recordCount;

    private MetadataLog(Path file, FileChannel channel, long recordCount) {
        this.file = file;
        this.channel = channel;
        this.recordCount = recordCount;
    }

    /** How many records the log holds (its end offset). */
    public synchronized long recordCount() {
        return recordCount;
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
        return new MetadataLog(file, ch, replayed.size());
    }

    public void append(MetadataRecord record) throws IOException {
        appendAll(List.of(record));
    }

    /** Appends the records with one fsync (one controller decision). */
    public synchronized void appendAll(List<MetadataRecord> records) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (MetadataRecord r : records) sb.append(format(r)).append('\n');
        ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) channel.write(buf);
        channel.force(false);
        recordCount += records.size();
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
        if (record instanceof MetadataRecord.GroupConfigsSet g) {
            return "groupconfigs " + enc(g.group()) + " " + formatConfigs(g.configs());
        }
        if (record instanceof MetadataRecord.TopicConfigsSet c) {
            return "configs " + enc(c.name()) + " " + formatConfigs(c.configs());
        }
        if (record instanceof MetadataRecord.ProducerIdsBlockAllocated b) {
            return "producer-ids " + b.brokerId() + " " + b.blockStart() + " " + b.blockSize();
        }
        if (record instanceof MetadataRecord.BrokerRegistered b) {
            return "broker " + b.id() + " " + enc(b.incarnation()) + " " + enc(b.host()) + " " + b.port() + " "
                    + (b.rack() == null ? "-" : "r" + enc(b.rack())) + endpoints(b.endpoints());
        }
        if (record instanceof MetadataRecord.ScramCredentialUpserted c) {
            return "scram " + enc(c.user()) + " " + c.mechanism() + " " + c.salt() + " " + c.storedKey() + " "
                    + c.serverKey() + " " + c.iterations();
        }
        if (record instanceof MetadataRecord.ScramCredentialDeleted d) return "scram-delete " + enc(d.user()) + " " + d.mechanism();
        if (record instanceof MetadataRecord.ClientQuotaChanged q) {
            return "client-quota " + orDash(q.entity().user()) + " " + orDash(q.entity().clientId()) + " " + enc(q.key()) + " "
                    + (q.value() == null ? "remove" : Double.toString(q.value()));
        }
        if (record instanceof MetadataRecord.AclCreated a) return "acl " + aclFields(a);
        if (record instanceof MetadataRecord.AclDeleted d) return "acl-delete " + aclFields(d.acl());
        if (record instanceof MetadataRecord.FeatureLevel f) return "feature " + enc(f.name()) + " " + f.level() + " " + f.epoch();
        if (record instanceof MetadataRecord.BrokerFenced f) return "fence " + f.id();
        if (record instanceof MetadataRecord.BrokerUnfenced u) return "unfence " + u.id();
        if (record instanceof MetadataRecord.BrokerShuttingDown d) return "shutdown " + d.id();
        if (record instanceof MetadataRecord.BrokerUnregistered u) return "unregister " + u.id();
        if (record instanceof MetadataRecord.PartitionChanged c) {
            String line = "partition-change " + enc(c.topic()) + " " + c.topicId() + " " + c.partition() + " " + c.leader() + " "
                    + c.leaderEpoch() + " " + c.partitionEpoch() + " " + ints(c.isr());
            if (c.changesReplicas()) {
                line += " " + ints(c.replicas()) + " " + ints(c.addingReplicas() == null ? List.of() : c.addingReplicas())
                        + " " + ints(c.removingReplicas() == null ? List.of() : c.removingReplicas());
            }
            return line;
        }
        MetadataRecord.TopicDeleted d = (MetadataRecord.TopicDeleted) record;
        return "delete " + enc(d.name()) + " " + d.id();
    }

    private static String endpoints(List<BrokerNode.Endpoint> endpoints) {
        if (endpoints.isEmpty()) return "";
        StringBuilder sb = new StringBuilder(" ");
        for (BrokerNode.Endpoint e : endpoints) {
            if (sb.length() > 1) sb.append(';');
            sb.append(enc(e.listener())).append('@').append(enc(e.host())).append('@').append(e.port());
        }
        return sb.toString();
    }

    private static List<BrokerNode.Endpoint> parseEndpoints(String field) {
        List<BrokerNode.Endpoint> out = new ArrayList<>();
        for (String e : field.split(";")) {
            String[] p = e.split("@");
            if (p.length != 3) throw new IllegalArgumentException("bad endpoint " + e);
            out.add(new BrokerNode.Endpoint(dec(p[0]), dec(p[1]), Integer.parseInt(p[2])));
        }
        return out;
    }

    private static String ints(List<Integer> l) {
        return String.join(",", l.stream().map(String::valueOf).toList());
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

    /**
     * Parses a line written by {@link #formatRecord}.
     *
     * @throws IllegalArgumentException if the line is not one (a missing field, a separator out of place, a bad
     *         number or id): the callers skip or refuse such an entry, so no other exception may escape
     */
    public static MetadataRecord parseRecord(String line) {
        try {
            return parse(line);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("malformed metadata record: " + line, e);
        }
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
            case "groupconfigs" -> {
                return new MetadataRecord.GroupConfigsSet(dec(f[1]), parseConfigs(f[2]));
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
                        Integer.parseInt(f[4]), f[5].equals("-") ? null : dec(f[5].substring(1)),
                        f.length > 6 ? parseEndpoints(f[6]) : List.of());
            }
            case "scram" -> {
                return new MetadataRecord.ScramCredentialUpserted(dec(f[1]), f[2], f[3], f[4], f[5], Integer.parseInt(f[6]));
            }
            case "scram-delete" -> {
                return new MetadataRecord.ScramCredentialDeleted(dec(f[1]), f[2]);
            }
            case "acl" -> {
                return parseAcl(f);
            }
            case "client-quota" -> {
                return new MetadataRecord.ClientQuotaChanged(new QuotaEntity(dashOrNull(f[1]), dashOrNull(f[2])), dec(f[3]),
                        f[4].equals("remove") ? null : Double.valueOf(f[4]));
            }
            case "acl-delete" -> {
                return new MetadataRecord.AclDeleted(parseAcl(f));
            }
            case "feature" -> {
                return new MetadataRecord.FeatureLevel(dec(f[1]), Short.parseShort(f[2]), Long.parseLong(f[3]));
            }
            case "fence" -> {
                return new MetadataRecord.BrokerFenced(Integer.parseInt(f[1]));
            }
            case "unfence" -> {
                return new MetadataRecord.BrokerUnfenced(Integer.parseInt(f[1]));
            }
            case "shutdown" -> {
                return new MetadataRecord.BrokerShuttingDown(Integer.parseInt(f[1]));
            }
            case "unregister" -> {
                return new MetadataRecord.BrokerUnregistered(Integer.parseInt(f[1]));
            }
            case "partition-change" -> {
                boolean assignment = f.length > 8;
                return new MetadataRecord.PartitionChanged(dec(f[1]), UUID.fromString(f[2]), Integer.parseInt(f[3]),
                        Integer.parseInt(f[4]), parseInts(f[7]), Integer.parseInt(f[5]), Integer.parseInt(f[6]),
                        assignment ? parseInts(f[8]) : null, assignment ? parseInts(f[9]) : null,
                        assignment ? parseInts(f[10]) : null);
            }
            default -> throw new IllegalArgumentException("unknown metadata record: " + line);
        }
    }

    private static String formatPartitions(List<PartitionState> partitions) {
        List<String> parts = new ArrayList<>();
        for (PartitionState p : partitions) {
            String s = p.partition() + ":" + p.leader() + ":" + p.leaderEpoch() + ":" + ints(p.replicas());
            if (p.isReassigning()) {
                s += ":" + ints(p.isr()) + ":" + p.partitionEpoch() + ":" + ints(p.addingReplicas()) + ":" + ints(p.removingReplicas());
            } else if (!p.isr().equals(p.replicas()) || p.partitionEpoch() != 0) { // older lines have neither
                s += ":" + ints(p.isr()) + ":" + p.partitionEpoch();
            }
            parts.add(s);
        }
        return String.join(";", parts);
    }

    private static List<PartitionState> parsePartitions(String s) {
        List<PartitionState> parts = new ArrayList<>();
        for (String p : s.split(";")) {
            String[] q = p.split(":", -1);
            List<Integer> replicas = parseInts(q[3]);
            List<Integer> isr = q.length > 4 ? parseInts(q[4]) : replicas;
            int partitionEpoch = q.length > 5 ? Integer.parseInt(q[5]) : 0;
            List<Integer> adding = q.length > 7 ? parseInts(q[6]) : List.of();
            List<Integer> removing = q.length > 7 ? parseInts(q[7]) : List.of();
            parts.add(new PartitionState(Integer.parseInt(q[0]), replicas, isr, Integer.parseInt(q[1]),
                    Integer.parseInt(q[2]), partitionEpoch, adding, removing));
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

    private static String aclFields(MetadataRecord.AclCreated a) {
        return a.resourceType() + " " + enc(a.resourceName()) + " " + a.patternType() + " " + enc(a.principal()) + " "
                + enc(a.host()) + " " + a.operation() + " " + a.permission();
    }

    private static MetadataRecord.AclCreated parseAcl(String[] f) {
        return new MetadataRecord.AclCreated(Integer.parseInt(f[1]), dec(f[2]), Integer.parseInt(f[3]), dec(f[4]), dec(f[5]),
                Integer.parseInt(f[6]), Integer.parseInt(f[7]));
    }

    /** A client quota entity's part: {@code !} when absent (URL-encoding writes it as %21, so no name collides). */
    private static String orDash(String s) {
        return s == null ? "!" : enc(s);
    }

    private static String dashOrNull(String s) {
        return s.equals("!") ? null : dec(s);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
