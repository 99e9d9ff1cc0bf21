package io.fjord.cli;

import io.fjord.client.admin.ClusterDescription;
import io.fjord.client.admin.FjordAdmin;
import io.fjord.client.admin.QuorumInfo;
import io.fjord.client.admin.TopicDescription;
import io.fjord.client.common.Node;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.errors.ApiException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fjord cluster status}: brokers, the active controller, the metadata quorum's lag, under-replicated partitions. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Show the cluster's state.",
        subcommands = {ClusterCommand.Status.class})
public final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: status");
    }

    /**
     * Four blocks: the cluster id and controller; one line per broker; the quorum (leader, epoch, high watermark and
     * per voter/observer log end offset and lag, as {@code kafka-metadata-quorum.sh describe --replication}); the
     * under-replicated partitions (ISR smaller than the replica list, as {@code kafka-topics.sh}). Exit code 0, or 2
     * when a partition is under-replicated, so scripts can alert on it.
     */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Brokers, controller, quorum lag and under-replicated partitions (exit 2 if any are under-replicated).")
    static final class Status implements Callable<Integer> {
        @Mixin ClientOptions client;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (FjordAdmin admin = new FjordAdmin(client.config())) {
                ClusterDescription c = admin.describeCluster();
                out.println("ClusterId: " + c.clusterId() + "\tController: " + (c.controllerId() < 0 ? "none" : c.controllerId()));
                List<Node> nodes = new ArrayList<>(c.nodes());
                nodes.sort(Comparator.comparingInt(Node::id));
                out.println();
                out.println(String.join("\t", "BROKER", "ENDPOINT", "RACK"));
                for (Node n : nodes) {
                    out.println(String.join("\t", Integer.toString(n.id()), n.host() + ":" + n.port(), n.rack() == null ? "-" : n.rack()));
                }
                printQuorum(out, admin);
                List<String> under = underReplicated(admin);
                out.println();
                out.println("Under-replicated partitions: " + under.size());
                under.forEach(out::println);
                return under.isEmpty() ? 0 : 2;
            }
        }

        private void printQuorum(PrintWriter out, FjordAdmin admin) {
            out.println();
            QuorumInfo q;
            try {
                q = admin.describeQuorum();
            } catch (ApiException e) {
                out.println("Quorum: unavailable (" + e.getMessage() + ")");
                return;
            }
            long maxLag = 0;
            for (QuorumInfo.ReplicaState v : q.voters()) maxLag = Math.max(maxLag, q.lag(v));
            out.println("Quorum: LeaderId: " + q.leaderId() + "\tLeaderEpoch: " + q.leaderEpoch() + "\tHighWatermark: "
                    + q.highWatermark() + "\tMaxFollowerLag: " + maxLag);
            out.println(String.join("\t", "NODE", "LOG-END-OFFSET", "LAG", "STATUS"));
            for (QuorumInfo.ReplicaState v : q.voters()) {
                out.println(String.join("\t", Integer.toString(v.replicaId()), Long.toString(v.logEndOffset()), Long.toString(q.lag(v)),
                        v.replicaId() == q.leaderId() ? "Leader" : "Follower"));
            }
            for (QuorumInfo.ReplicaState o : q.observers()) {
                out.println(String.join("\t", Integer.toString(o.replicaId()), Long.toString(o.logEndOffset()), Long.toString(q.lag(o)), "Observer"));
            }
        }

        private static List<String> underReplicated(FjordAdmin admin) {
            List<String> names = new ArrayList<>(admin.listTopics(true));
            names.sort(null);
            List<String> lines = new ArrayList<>();
            if (names.isEmpty()) return lines;
            Map<String, TopicDescription> d = admin.describeTopics(names);
            for (String name : names) {
                List<PartitionInfo> ps = new ArrayList<>(d.get(name).partitions());
                ps.sort(Comparator.comparingInt(PartitionInfo::partition));
                for (PartitionInfo p : ps) {
                    if (!TopicCommand.Describe.isUnderReplicated(p)) continue;
                    lines.add("\tTopic: " + name + "\tPartition: " + p.partition() + "\tLeader: " + (p.leader() < 0 ? "none" : p.leader())
                            + "\tReplicas: " + p.replicas().size() + "\tIsr: " + p.isr().size());
                }
            }
            return lines;
        }
    }
}
