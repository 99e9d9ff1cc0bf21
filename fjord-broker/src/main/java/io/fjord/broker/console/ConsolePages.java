package io.fjord.broker.console;

import static io.fjord.broker.console.Html.escape;

import io.fjord.broker.console.ConsoleServer.BadRequest;
import io.fjord.broker.console.ConsoleServer.NotFound;
import io.fjord.broker.console.ConsoleServer.Reply;
import io.fjord.broker.console.ConsoleServer.Request;
import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.metrics.BrokerMetrics;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The web console's pages, rendered on the server from the cluster image, this broker's replicas, its group
 * coordinator shards and its meters: Cluster ({@code /}), Topics ({@code /topics}, {@code /topics/<t>}), Messages
 * ({@code /topics/<t>/<p>/messages}, see {@link MessageBrowser}), Consumer groups ({@code /groups},
 * {@code /groups/<g>}) and the JSON the live charts poll ({@code /api/live}, {@code /api/groups/<g>/lag}).
 * Missing topics, partitions and groups answer 404; malformed numbers 400. Offsets can be reset from the group page
 * only when {@code fjord.console.read.only=false}; otherwise the POST is refused with 403. The same holds for
 * topic create / delete / config changes ({@link TopicMutations}).
 *
 * <p>Threading: called on the console thread only; reads shared state through thread-safe accessors.
 */
public final class ConsolePages {
    private static final long GROUP_CALL_TIMEOUT_S = 10;

    private final int nodeId;
    private final Supplier<ClusterImage> image;
    private final ReplicaManager replicas;
    private final GroupCoordinator groups;
    private final BrokerMetrics metrics;
    private final boolean readOnly;
    private final MessageBrowser browser;

    public ConsolePages(int nodeId, Supplier<ClusterImage> image, ReplicaManager replicas, GroupCoordinator groups,
                        BrokerMetrics metrics, boolean readOnly) {
        this.nodeId = nodeId;
        this.image = image;
        this.replicas = replicas;
        this.groups = groups;
        this.metrics = metrics;
        this.readOnly = readOnly;
        this.browser = new MessageBrowser(replicas);
    }

    /** Topic create, delete and config changes (POST, only when not read-only), through the broker's topic admin. */
    private TopicMutations mutations;

    public ConsolePages withTopicAdmin(io.fjord.broker.TopicAdmin admin) {
        this.mutations = new TopicMutations(admin, readOnly);
        return this;
    }

    private boolean mutable() {
        return !readOnly && mutations != null;
    }

    /** Adds every page and API route to the server. */
    public void register(ConsoleServer server) {
        server.route("/", r -> Reply.html(200, cluster()));
        server.route("/topics", r -> {
            if (!r.method().equals("POST")) return Reply.html(200, topics());
            return mutations == null ? TopicMutations.refused() : mutations.create(r);
        });
        server.route("/topics/", this::topicRoutes);
        server.route("/groups", r -> Reply.html(200, groupList()));
        server.route("/groups/", this::groupRoutes);
        server.route("/api/live", r -> Reply.json(200, json(metrics.liveTotals(r.param("topic")))));
        server.route("/api/groups/", this::groupApi);
        server.route("/static/console.css", r -> resource("console/console.css", "text/css"));
        server.route("/static/console.js", r -> resource("console/console.js", "application/javascript"));
        server.route("/static/echarts.min.js", r -> resource("META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js",
                "application/javascript"));
    }

    // ------------------------------------------------------------------ cluster

    private String cluster() {
        ClusterImage img = image.get();
        int underReplicated = 0, offline = 0, partitions = 0;
        Map<Integer, Integer> led = new TreeMap<>();
        for (TopicImage t : img.topics()) {
            for (PartitionState ps : t.partitions().values()) {
                partitions++;
                if (ps.leader() < 0) offline++;
                else led.merge(ps.leader(), 1, Integer::sum);
                if (ps.isr().size() < ps.replicas().size()) underReplicated++;
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("<p>Cluster <code>").append(escape(img.clusterId())).append("</code>, active controller: <b id=controller>")
                .append(img.controllerId() < 0 ? "none" : "node " + img.controllerId()).append("</b>; this page is served by node ")
                .append(nodeId).append(".</p>");
        b.append("<p><span id=partitions>").append(partitions).append("</span> partitions, <span id=under-replicated>")
                .append(underReplicated).append("</span> under-replicated, <span id=offline>").append(offline).append("</span> offline.</p>");
        b.append("<h2>Brokers</h2><table id=brokers><tr><th>id<th>endpoint<th>rack<th>fenced<th>partitions led<th>disk used</tr>");
        for (BrokerNode n : img.brokers().values()) {
            b.append("<tr><td>").append(n.id()).append("<td>").append(escape(n.host() + ":" + n.port())).append("<td>")
                    .append(escape(n.rack() == null ? "-" : n.rack())).append("<td>").append(img.isFenced(n.id()) ? "yes" : "no")
                    .append("<td>").append(led.getOrDefault(n.id(), 0)).append("<td>")
                    .append(n.id() == nodeId ? bytes(localDiskUsed()) : "-").append("</tr>");
        }
        b.append("</table>");
        b.append(liveCharts(null));
        return Html.page("Cluster", b.toString());
    }

    private long localDiskUsed() {
        long total = 0;
        for (Partition p : replicas.partitions()) total += p.log().sizeInBytes();
        return total;
    }

    private static String liveCharts(String topic) {
        String q = topic == null ? "" : "?topic=" + java.net.URLEncoder.encode(topic, StandardCharsets.UTF_8);
        return "<h2>Live" + (topic == null ? " (this broker)" : "") + "</h2><div class=charts>"
                + "<div class=chart id=chart-bytes data-source=\"/api/live" + escape(q) + "\" data-series=\"bytesIn,bytesOut\" data-rate=true data-title=\"bytes/s in, out\"></div>"
                + "<div class=chart id=chart-requests data-source=\"/api/live" + escape(q) + "\" data-series=\"produceRequests,fetchRequests\" data-rate=true data-title=\"Produce, Fetch requests/s\"></div>"
                + "<div class=chart id=chart-latency data-source=\"/api/live" + escape(q) + "\" data-series=\"produceP99Ms\" data-rate=false data-title=\"Produce p99 ms\"></div>"
                + "</div><script src=\"/static/echarts.min.js\"></script><script src=\"/static/console.js\"></script>";
    }

    // ------------------------------------------------------------------ topics

    private String topics() {
        StringBuilder b = new StringBuilder("<table id=topics><tr><th>topic<th>partitions<th>replication factor<th>size here<th>messages in (total here)</tr>");
        List<TopicImage> sorted = image.get().topics().stream().sorted(java.util.Comparator.comparing(TopicImage::name)).toList();
        for (TopicImage t : sorted) {
            long size = 0;
            for (PartitionState ps : t.partitions().values()) {
                Partition p = replicas.partition(new TopicPartition(t.name(), ps.partition()));
                if (p != null) size += p.log().sizeInBytes();
            }
            int rf = t.partitions().isEmpty() ? 0 : t.partitions().values().iterator().next().replicas().size();
            b.append("<tr><td><a href=\"/topics/").append(url(t.name())).append("\">").append(escape(t.name())).append("</a><td>")
                    .append(t.partitionCount()).append("<td>").append(rf).append("<td>").append(bytes(size)).append("<td>")
                    .append((long) (double) metrics.liveTotals(t.name()).get("messagesIn")).append("</tr>");
        }
        b.append("</table>");
        if (mutable()) b.append(TopicMutations.createForm());
        return Html.page("Topics", b.toString());
    }

    private Reply topicRoutes(Request r) {
        String[] parts = r.path().substring("/topics/".length()).split("/");
        String name = java.net.URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        TopicImage t = image.get().topic(name);
        if (t == null) throw new NotFound("No topic " + name + ".");
        if (parts.length == 1) return Reply.html(200, topicPage(t));
        if (parts.length == 2 && (parts[1].equals("delete") || parts[1].equals("configs"))) {
            if (mutations == null) return TopicMutations.refused();
            return parts[1].equals("delete") ? mutations.delete(name, r) : mutations.alterConfig(name, r);
        }
        int partition;
        try {
            partition = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new BadRequest("'" + parts[1] + "' is not a partition number.");
        }
        if (t.partition(partition) == null) throw new NotFound("Topic " + name + " has no partition " + partition + ".");
        if (parts.length == 3 && parts[2].equals("messages")) {
            return Reply.html(200, Html.page("Messages of " + name + "-" + partition, browser.render(t, partition, r)));
        }
        throw new NotFound("No page at " + r.path() + ".");
    }

    private String topicPage(TopicImage t) {
        StringBuilder b = new StringBuilder("<h2>Partitions</h2><table id=partitions><tr><th>partition<th>leader<th>replicas<th>ISR"
                + "<th>log start<th>log end<th>size here<th></tr>");
        for (PartitionState ps : t.orderedPartitions()) {
            Partition p = replicas.partition(new TopicPartition(t.name(), ps.partition()));
            b.append("<tr><td>").append(ps.partition()).append("<td>").append(ps.leader()).append("<td>").append(ps.replicas())
                    .append("<td>").append(ps.isr()).append("<td>").append(p == null ? "-" : p.logStartOffset()).append("<td>")
                    .append(p == null ? "-" : p.logEndOffset()).append("<td>").append(p == null ? "-" : bytes(p.log().sizeInBytes()))
                    .append("<td><a href=\"/topics/").append(url(t.name())).append("/").append(ps.partition())
                    .append("/messages\">messages</a></tr>");
        }
        b.append("</table><h2>Configs (non-default)</h2><table id=configs><tr><th>key<th>value<th>source</tr>");
        for (Map.Entry<String, String> e : new TreeMap<>(t.configs()).entrySet()) {
            b.append("<tr><td>").append(escape(e.getKey())).append("<td>").append(escape(e.getValue())).append("<td>DYNAMIC_TOPIC_CONFIG</tr>");
        }
        b.append("</table>");
        if (mutable()) b.append(TopicMutations.topicForms(t.name()));
        b.append(liveCharts(t.name()));
        return Html.page("Topic " + t.name(), b.toString());
    }

    // ------------------------------------------------------------------ groups

    private String groupList() {
        StringBuilder b = new StringBuilder("<p>Groups whose coordinator is this broker.</p><table id=groups><tr><th>group<th>state<th>protocol type</tr>");
        for (GroupCoordinatorShard.GroupListing g : await(groups.list())) {
            b.append("<tr><td><a href=\"/groups/").append(url(g.groupId())).append("\">").append(escape(g.groupId())).append("</a><td>")
                    .append(escape(g.state())).append("<td>").append(escape(g.protocolType())).append("</tr>");
        }
        return Html.page("Consumer groups", b.append("</table>").toString());
    }

    private record Lag(String topic, int partition, long committed, long end) {
        long lag() {
            return end < 0 ? -1 : Math.max(0, end - committed);
        }
    }

    private List<Lag> lags(String group) {
        GroupCoordinator.FetchResult f = await(groups.fetchOffsets(group, null));
        List<Lag> out = new java.util.ArrayList<>();
        for (var t : new TreeMap<>(f.offsets()).entrySet()) {
            for (var p : new TreeMap<>(t.getValue()).entrySet()) {
                if (p.getValue().offset() < 0) continue;
                Partition part = replicas.partition(new TopicPartition(t.getKey(), p.getKey()));
                out.add(new Lag(t.getKey(), p.getKey(), p.getValue().offset(), part == null ? -1 : part.highWatermark()));
            }
        }
        return out;
    }

    private GroupCoordinatorShard.GroupDescription describe(String group) {
        GroupCoordinator.DescribeResult d = await(groups.describe(group));
        if (d.group() == null || "Dead".equals(d.group().state())) {
            if (lags(group).isEmpty()) throw new NotFound("No group " + group + " on this broker's coordinator.");
        }
        return d.group();
    }

    private Reply groupRoutes(Request r) {
        String rest = r.path().substring("/groups/".length());
        boolean reset = rest.endsWith("/reset");
        String group = java.net.URLDecoder.decode(reset ? rest.substring(0, rest.length() - "/reset".length()) : rest, StandardCharsets.UTF_8);
        GroupCoordinatorShard.GroupDescription d = describe(group);
        if (reset) return resetOffsets(group, d, r);
        return Reply.html(200, groupPage(group, d, null));
    }

    private String groupPage(String group, GroupCoordinatorShard.GroupDescription d, String notice) {
        StringBuilder b = new StringBuilder();
        if (notice != null) b.append("<p class=notice id=notice>").append(escape(notice)).append("</p>");
        String state = d == null ? "Empty" : d.state();
        b.append("<p>State: <b id=state>").append(escape(state)).append("</b>, protocol: ")
                .append(escape(d == null || d.protocolName() == null || d.protocolName().isEmpty() ? "-" : d.protocolName()))
                .append(", members: ").append(d == null ? 0 : d.members().size()).append("</p>");
        b.append("<h2>Members</h2><table id=members><tr><th>member id<th>client id<th>host<th>assignment</tr>");
        if (d != null) {
            for (GroupCoordinatorShard.MemberDescription m : d.members()) {
                b.append("<tr><td>").append(escape(m.memberId())).append("<td>").append(escape(m.clientId())).append("<td>")
                        .append(escape(m.clientHost())).append("<td>").append(escape(Assignments.describe(m.assignment()))).append("</tr>");
            }
        }
        b.append("</table><h2>Offsets</h2><table id=offsets><tr><th>topic<th>partition<th>committed<th>end<th>lag</tr>");
        long total = 0;
        for (Lag l : lags(group)) {
            total += Math.max(0, l.lag());
            b.append("<tr><td>").append(escape(l.topic)).append("<td>").append(l.partition).append("<td>").append(l.committed)
                    .append("<td>").append(l.end < 0 ? "-" : l.end).append("<td>").append(l.lag() < 0 ? "-" : l.lag()).append("</tr>");
        }
        b.append("</table><p>Total lag: <b id=total-lag>").append(total).append("</b></p>");
        b.append("<div class=charts><div class=chart id=chart-lag data-source=\"/api/groups/").append(escape(url(group)))
                .append("/lag\" data-series=\"totalLag\" data-rate=false data-title=\"total lag\"></div></div>");
        if (readOnly) {
            b.append("<p class=muted>Read-only console (fjord.console.read.only=true): offsets cannot be reset here.</p>");
        } else {
            b.append("<h2>Reset offsets</h2><form id=reset method=post action=\"/groups/").append(escape(url(group)))
                    .append("/reset\"><select name=to><option>earliest<option>latest<option>timestamp</select> ")
                    .append("<input name=timestamp placeholder=\"epoch ms (for timestamp)\"> <button type=submit>Reset</button></form>");
        }
        b.append("<script src=\"/static/echarts.min.js\"></script><script src=\"/static/console.js\"></script>");
        return Html.page("Group " + group, b.toString());
    }

    private Reply resetOffsets(String group, GroupCoordinatorShard.GroupDescription d, Request r) {
        if (!r.method().equals("POST")) throw new BadRequest("Resetting offsets takes a POST.");
        if (readOnly) return Reply.html(403, Html.page("Refused", "<p class=error>The console is read-only (fjord.console.read.only=true).</p>"));
        if (d != null && !d.members().isEmpty()) {
            throw new BadRequest("Offsets can only be reset while the group is inactive; it is " + d.state() + ".");
        }
        String to = r.param("to");
        Long timestamp = null;
        if ("timestamp".equals(to)) timestamp = MessageBrowser.parseLong(r.param("timestamp"), "timestamp");
        else if (!"earliest".equals(to) && !"latest".equals(to)) throw new BadRequest("to must be earliest, latest or timestamp.");
        int changed = 0;
        for (Lag l : lags(group)) {
            Partition p = replicas.partition(new TopicPartition(l.topic, l.partition));
            if (p == null) continue;
            long target = switch (to) {
                case "earliest" -> p.logStartOffset();
                case "latest" -> p.highWatermark();
                default -> p.log().offsetForTimestamp(timestamp).map(x -> Math.min(x.offset(), p.highWatermark())).orElse(p.highWatermark());
            };
            // Without a member, as kafka-consumer-groups --reset-offsets commits (refused while the group has members).
            GroupCoordinatorShard.CommitResult res = await(groups.commit(group, -1, "", null,
                    List.of(new GroupCoordinatorShard.OffsetCommit(l.topic, l.partition, target, -1, ""))));
            if (res.groupError() != io.fjord.protocol.api.Errors.NONE) {
                throw new BadRequest("The coordinator refused the reset: " + res.groupError() + ".");
            }
            changed++;
        }
        return Reply.html(200, groupPage(group, describeOrNull(group), "Reset " + changed + " partition(s) to " + to + "."));
    }

    private GroupCoordinatorShard.GroupDescription describeOrNull(String group) {
        return await(groups.describe(group)).group();
    }

    private Reply groupApi(Request r) {
        String rest = r.path().substring("/api/groups/".length());
        if (!rest.endsWith("/lag")) throw new NotFound("No API at " + r.path() + ".");
        String group = java.net.URLDecoder.decode(rest.substring(0, rest.length() - 4), StandardCharsets.UTF_8);
        describe(group);
        long total = 0;
        for (Lag l : lags(group)) total += Math.max(0, l.lag());
        return Reply.json(200, "{\"totalLag\":" + total + "}");
    }

    // ------------------------------------------------------------------ helpers

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(GROUP_CALL_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("group coordinator call failed: " + e, e);
        }
    }

    private static Reply resource(String path, String type) throws java.io.IOException {
        try (var in = ConsolePages.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new NotFound("No resource " + path + ".");
            return new Reply(200, type, in.readAllBytes());
        }
    }

    static String json(Map<String, Double> values) {
        StringBuilder b = new StringBuilder("{");
        values.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return b.append('}').toString();
    }

    static String url(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
        if (n < 1024L * 1024 * 1024) return String.format("%.1f MiB", n / 1048576.0);
        return String.format("%.1f GiB", n / 1073741824.0);
    }

    /** Decodes the consumer protocol's assignment (version, [topic, [partition]], user data) for display. */
    static final class Assignments {
        private Assignments() {
        }

        static String describe(byte[] assignment) {
            if (assignment == null || assignment.length < 6) return "-";
            try {
                ByteBuffer b = ByteBuffer.wrap(assignment);
                b.getShort();
                int topics = b.getInt();
                StringBuilder out = new StringBuilder();
                for (int i = 0; i < topics; i++) {
                    byte[] name = new byte[b.getShort()];
                    b.get(name);
                    int n = b.getInt();
                    for (int j = 0; j < n; j++) {
                        if (out.length() > 0) out.append(", ");
                        out.append(new String(name, StandardCharsets.UTF_8)).append('-').append(b.getInt());
                    }
                }
                return out.length() == 0 ? "-" : out.toString();
            } catch (RuntimeException e) {
                return "(not a consumer assignment)";
            }
        }
    }
}
