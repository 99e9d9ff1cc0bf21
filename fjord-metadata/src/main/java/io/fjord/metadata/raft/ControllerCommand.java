package io.fjord.metadata.raft;

import io.fjord.metadata.AlterPartitionRequest;
import io.fjord.metadata.AlterPartitionResult;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.ElectionResult;
import io.fjord.metadata.ElectionType;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.ReassignmentRequest;
import io.fjord.metadata.ReassignmentResult;
import io.fjord.metadata.Reassignments;
import io.fjord.metadata.ReplicationControl;
import io.fjord.metadata.TopicPartitionRef;
import io.fjord.protocol.api.Errors;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A request whose outcome depends on the state it meets, carried through the Raft log as itself and judged by the
 * state machine when applied ({@link #evaluate}), so every node reaches the same decision and a request built on
 * an outdated image cannot undo a newer change. The state machine applies the records it yields (listeners see
 * those, never the command) and replies with {@link #encodeResult}; the submitting node decodes the reply.
 *
 * <p>Log lines (one per command, in an entry beside ordinary record lines; names URL-encoded, lists of broker ids
 * comma-separated):
 * <pre>
 * cmd alter-partition &lt;topic&gt; &lt;topic id | -&gt; &lt;partition&gt; &lt;leader&gt; &lt;leaderEpoch&gt; &lt;partitionEpoch&gt; &lt;new isr&gt;
 * cmd controlled-shutdown &lt;broker&gt; &lt;incarnation&gt;
 * cmd unregister-broker &lt;broker&gt;
 * cmd elect-leaders &lt;PREFERRED | UNCLEAN&gt; &lt;* | topic:partition,topic:partition,...&gt;
 * cmd reassign &lt;topic:partition:&lt;replicas | -&gt;&gt;;...              (- cancels)
 * </pre>
 * Replies: {@code <error code> [<partition>:<leader>:<leaderEpoch>:<partitionEpoch>:<replicas>:<isr>:<adding>:<removing>]}
 * for alter-partition, {@code true|false} for controlled-shutdown, the error code for unregister-broker, {@code topic:partition:code,...} for
 * elect-leaders and {@code topic:partition:code:message,...} (message URL-encoded, {@code -} for none) for reassign.
 */
sealed interface ControllerCommand<R> {
    String PREFIX = "cmd ";

    ReplicationControl.Outcome<R> evaluate(ClusterImage image);

    String line();

    String encodeResult(R result);

    R decodeResult(String reply);

    /** Broker epochs as {@code id=epoch,id=epoch} (an optional last field of alter-partition). */
    static String epochs(Map<Integer, Long> m) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, Long> e : new java.util.TreeMap<>(m).entrySet()) {
            if (sb.length() > 0) sb.append(',');
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    static Map<Integer, Long> epochs(String s) {
        Map<Integer, Long> m = new java.util.HashMap<>();
        if (s.isEmpty()) return m;
        for (String kv : s.split(",")) {
            int eq = kv.indexOf('=');
            m.put(Integer.parseInt(kv.substring(0, eq)), Long.parseLong(kv.substring(eq + 1)));
        }
        return m;
    }

    static boolean isCommand(String line) {
        return line.startsWith(PREFIX);
    }

    /** @throws RuntimeException if the line is not a command this version knows */
    static ControllerCommand<?> parse(String line) {
        String[] f = line.substring(PREFIX.length()).split(" ", -1);
        return switch (f[0]) {
            case "alter-partition" -> new AlterPartition(new AlterPartitionRequest(dec(f[1]),
                    f[2].equals("-") ? null : UUID.fromString(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]),
                    Integer.parseInt(f[5]), Integer.parseInt(f[6]), ints(f[7]), f.length > 8 ? epochs(f[8]) : Map.of()));
            case "controlled-shutdown" -> new ControlledShutdown(Integer.parseInt(f[1]), dec(f[2]));
            case "unregister-broker" -> new UnregisterBroker(Integer.parseInt(f[1]));
            case "elect-leaders" -> new ElectLeaders(ElectionType.valueOf(f[1]), f[2].equals("*") ? null : refs(f[2]));
            case "reassign" -> {
                List<ReassignmentRequest> out = new ArrayList<>();
                if (!f[1].isEmpty()) {
                    for (String s : f[1].split(";")) {
                        String[] q = s.split(":", -1);
                        out.add(new ReassignmentRequest(new TopicPartitionRef(dec(q[0]), Integer.parseInt(q[1])),
                                q[2].equals("-") ? null : ints(q[2])));
                    }
                }
                yield new Reassign(out);
            }
            default -> throw new IllegalArgumentException("unknown controller command: " + line);
        };
    }

    record AlterPartition(AlterPartitionRequest request) implements ControllerCommand<AlterPartitionResult> {
        @Override
        public ReplicationControl.Outcome<AlterPartitionResult> evaluate(ClusterImage image) {
            return ReplicationControl.alterPartition(image, request);
        }

        @Override
        public String line() {
            AlterPartitionRequest r = request;
            return PREFIX + "alter-partition " + enc(r.topic() == null ? "" : r.topic()) + " "
                    + (r.topicId() == null ? "-" : r.topicId()) + " " + r.partition() + " " + r.leaderId() + " "
                    + r.leaderEpoch() + " " + r.partitionEpoch() + " " + ints(r.newIsr())
                    + (r.brokerEpochs().isEmpty() ? "" : " " + epochs(r.brokerEpochs()));
        }

        @Override
        public String encodeResult(AlterPartitionResult result) {
            PartitionState p = result.state();
            String s = Short.toString(result.error().code());
            if (p == null) return s;
            return s + " " + p.partition() + ":" + p.leader() + ":" + p.leaderEpoch() + ":" + p.partitionEpoch() + ":"
                    + ints(p.replicas()) + ":" + ints(p.isr()) + ":" + ints(p.addingReplicas()) + ":"
                    + ints(p.removingReplicas());
        }

        @Override
        public AlterPartitionResult decodeResult(String reply) {
            String[] f = reply.split(" ", -1);
            Errors error = error(Short.parseShort(f[0]));
            if (f.length == 1) return AlterPartitionResult.error(error);
            String[] q = f[1].split(":", -1);
            return new AlterPartitionResult(error, new PartitionState(Integer.parseInt(q[0]), ints(q[4]), ints(q[5]),
                    Integer.parseInt(q[1]), Integer.parseInt(q[2]), Integer.parseInt(q[3]), ints(q[6]), ints(q[7])));
        }
    }

    record ControlledShutdown(int brokerId, String incarnation) implements ControllerCommand<Boolean> {
        @Override
        public ReplicationControl.Outcome<Boolean> evaluate(ClusterImage image) {
            return ReplicationControl.controlledShutdown(image, brokerId, incarnation);
        }

        @Override
        public String line() {
            return PREFIX + "controlled-shutdown " + brokerId + " " + enc(incarnation);
        }

        @Override
        public String encodeResult(Boolean result) {
            return result.toString();
        }

        @Override
        public Boolean decodeResult(String reply) {
            return Boolean.parseBoolean(reply);
        }
    }

    record UnregisterBroker(int brokerId) implements ControllerCommand<Errors> {
        @Override
        public ReplicationControl.Outcome<Errors> evaluate(ClusterImage image) {
            return ReplicationControl.unregisterBroker(image, brokerId);
        }

        @Override
        public String line() {
            return PREFIX + "unregister-broker " + brokerId;
        }

        @Override
        public String encodeResult(Errors result) {
            return Short.toString(result.code());
        }

        @Override
        public Errors decodeResult(String reply) {
            return error(Short.parseShort(reply));
        }
    }

    record ElectLeaders(ElectionType type, List<TopicPartitionRef> partitions) implements ControllerCommand<List<ElectionResult>> {
        @Override
        public ReplicationControl.Outcome<List<ElectionResult>> evaluate(ClusterImage image) {
            return ReplicationControl.electLeaders(image, type, partitions);
        }

        @Override
        public String line() {
            return PREFIX + "elect-leaders " + type.name() + " " + (partitions == null ? "*" : refs(partitions));
        }

        @Override
        public String encodeResult(List<ElectionResult> result) {
            List<String> out = new ArrayList<>();
            for (ElectionResult r : result) {
                out.add(enc(r.partition().topic()) + ":" + r.partition().partition() + ":" + r.error().code());
            }
            return String.join(",", out);
        }

        @Override
        public List<ElectionResult> decodeResult(String reply) {
            List<ElectionResult> out = new ArrayList<>();
            if (reply.isEmpty()) return out;
            for (String s : reply.split(",")) {
                String[] q = s.split(":");
                out.add(new ElectionResult(new TopicPartitionRef(dec(q[0]), Integer.parseInt(q[1])), error(Short.parseShort(q[2]))));
            }
            return out;
        }
    }

    record Reassign(List<ReassignmentRequest> requests) implements ControllerCommand<List<ReassignmentResult>> {
        @Override
        public ReplicationControl.Outcome<List<ReassignmentResult>> evaluate(ClusterImage image) {
            return Reassignments.alter(image, requests);
        }

        @Override
        public String line() {
            List<String> out = new ArrayList<>();
            for (ReassignmentRequest r : requests) {
                out.add(enc(r.partition().topic()) + ":" + r.partition().partition() + ":"
                        + (r.targetReplicas() == null ? "-" : ints(r.targetReplicas())));
            }
            return PREFIX + "reassign " + String.join(";", out);
        }

        @Override
        public String encodeResult(List<ReassignmentResult> result) {
            List<String> out = new ArrayList<>();
            for (ReassignmentResult r : result) {
                out.add(enc(r.partition().topic()) + ":" + r.partition().partition() + ":" + r.error().code() + ":"
                        + (r.message() == null ? "-" : enc(r.message())));
            }
            return String.join(",", out);
        }

        @Override
        public List<ReassignmentResult> decodeResult(String reply) {
            List<ReassignmentResult> out = new ArrayList<>();
            if (reply.isEmpty()) return out;
            for (String s : reply.split(",")) {
                String[] q = s.split(":", -1);
                out.add(new ReassignmentResult(new TopicPartitionRef(dec(q[0]), Integer.parseInt(q[1])),
                        error(Short.parseShort(q[2])), q[3].equals("-") ? null : dec(q[3])));
            }
            return out;
        }
    }

    private static Errors error(short code) {
        for (Errors e : Errors.values()) if (e.code() == code) return e;
        return Errors.UNKNOWN_SERVER_ERROR;
    }

    private static String refs(List<TopicPartitionRef> refs) {
        List<String> out = new ArrayList<>();
        for (TopicPartitionRef r : refs) out.add(enc(r.topic()) + ":" + r.partition());
        return String.join(",", out);
    }

    private static List<TopicPartitionRef> refs(String s) {
        List<TopicPartitionRef> out = new ArrayList<>();
        if (s.isEmpty()) return out;
        for (String x : s.split(",")) {
            int colon = x.lastIndexOf(':');
            out.add(new TopicPartitionRef(dec(x.substring(0, colon)), Integer.parseInt(x.substring(colon + 1))));
        }
        return out;
    }

    private static String ints(List<Integer> l) {
        return String.join(",", l.stream().map(String::valueOf).toList());
    }

    private static List<Integer> ints(String s) {
        List<Integer> l = new ArrayList<>();
        if (s.isEmpty()) return l;
        for (String x : s.split(",")) l.add(Integer.parseInt(x));
        return l;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
