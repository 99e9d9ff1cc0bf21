package io.fjord.broker.metrics;

import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Field;
import io.fjord.protocol.types.Struct;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The broker's meters, one registry per broker, named as Kafka's JMX metrics come out of the usual Prometheus JMX
 * exporter rules (Strimzi's {@code kafka-metrics.yaml} shape: {@code kafka.server<type=BrokerTopicMetrics,
 * name=BytesInPerSec, topic=t><>Count} becomes {@code kafka_server_brokertopicmetrics_bytesin_total{topic="t"}},
 * a {@code Value} gauge keeps its lower-cased name, a histogram's {@code 99thPercentile} becomes the label
 * {@code quantile="0.99"}), so Kafka dashboards read Fjord unchanged.
 *
 * <p>Micrometer appends {@code _total} to counters, so counters here are named without it. Request-level meters are
 * recorded centrally by the network layer ({@link #requestCompleted}); per-topic traffic by the replica manager
 * (appends) and the fetch handler (reads). Gauges are computed when scraped, from the replica manager and the
 * cluster image, so nothing is kept up to date on the hot paths.
 *
 * <p>Threading: safe for concurrent use. Recording is a counter increment or a histogram record; meters are looked
 * up in arrays or concurrent maps and created once per (API, version), (API, error) or topic.
 */
public final class BrokerMetrics {
    private static final int MAX_API_KEY = 128;
    private static final int MAX_VERSION = 32;
    /** Counted down once the JVM and process meters are bound (on their own thread, see the constructor). */
    private final java.util.concurrent.CountDownLatch jvmMetersBound = new java.util.concurrent.CountDownLatch(1);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter[][] requests = new Counter[MAX_API_KEY][];
    private final DistributionSummary[] totalTime = new DistributionSummary[MAX_API_KEY];
    private final Map<Integer, Counter> errors = new ConcurrentHashMap<>();
    private final Map<io.fjord.protocol.types.Schema, List<String>> errorPaths = new ConcurrentHashMap<>();
    private final Map<String, TopicMeters> topics = new ConcurrentHashMap<>();
    private final Counter isrShrinks;
    private final Counter isrExpands;
    private final Counter replicationBytesOut;
    private final LongAdder handlerBusyNanos = new LongAdder();
    private final IdleRatio handlerIdle;
    private final LongAdder networkBusyNanos = new LongAdder();
    private final LongAdder classicRebalances = new LongAdder();
    private final DistributionSummary logFlushTime;
    private final DistributionSummary[] queueTime = new DistributionSummary[MAX_API_KEY];
    private final MultiGauge logSize;
    private final MultiGauge consumerLag;
    private volatile ReplicaManager replicaState;
    private volatile LagSource lagSource;

    /** The consumer groups' committed offsets, read at scrape time (the group coordinator, on a broker). */
    private record LagSource(io.fjord.broker.group.GroupCoordinator groups, ReplicaManager replicas) {
    }

    /** Meters of one topic (Kafka's BrokerTopicMetrics with a topic tag). */
    private record TopicMeters(Counter bytesIn, Counter messagesIn, Counter bytesOut, Counter produceRequests,
                               Counter fetchRequests, Counter failedProduce) {
    }

    /**
     * @param requestThreads the size of the request pool, for the handler idle ratio
     */
    public BrokerMetrics(int requestThreads) {
        isrShrinks = Counter.builder("kafka.server.replicamanager.isrshrinks").register(registry);
        isrExpands = Counter.builder("kafka.server.replicamanager.isrexpands").register(registry);
        replicationBytesOut = Counter.builder("kafka.server.brokertopicmetrics.replicationbytesout").register(registry);
        handlerIdle = new IdleRatio(handlerBusyNanos, requestThreads, System::nanoTime);
        // Kafka's RequestHandlerAvgIdlePercent is a fraction (0..1) despite its name; the exporter adds _percent.
        Gauge.builder("kafka.server.kafkarequesthandlerpool.requesthandleravgidle.percent", handlerIdle, IdleRatio::sample)
                .strongReference(true).register(registry);
        // Kafka's LogFlushStats.LogFlushRateAndTimeMs: a timer in ms; the exporter shows its count and percentiles.
        logFlushTime = DistributionSummary.builder("kafka.log.logflushstats.logflushrateandtimems")
                .publishPercentiles(0.5, 0.75, 0.95, 0.98, 0.99, 0.999).register(registry);
        logSize = MultiGauge.builder("kafka.log.log.size").register(registry);
        // Kafka Exporter's name (Kafka itself has no consumer lag metric on the broker): the dashboards people use.
        consumerLag = MultiGauge.builder("kafka.consumergroup.lag").register(registry);
        // Kafka 4's group-coordinator-metrics classic-group-completed-rebalance-count is a cumulative count exposed
        // as a gauge (not a Yammer meter), so it keeps its name without _total.
        Gauge.builder("kafka.server.group.coordinator.metrics.classic.group.completed.rebalance.count", classicRebalances,
                LongAdder::sum).strongReference(true).register(registry);
        // The JVM and process meters pull in the management beans (JMX, GC notifications: a few hundred classes):
        // bound on their own thread so that start-up does not wait; a scrape waits for them.
        Thread binder = new Thread(() -> {
            try {
                new JvmMemoryMetrics().bindTo(registry);
                new JvmGcMetrics().bindTo(registry);
                new JvmThreadMetrics().bindTo(registry);
                new ClassLoaderMetrics().bindTo(registry);
                new ProcessorMetrics().bindTo(registry);
                new UptimeMetrics().bindTo(registry);
                new FileDescriptorMetrics().bindTo(registry);
            } finally {
                jvmMetersBound.countDown();
            }
        }, "fjord-metrics-jvm");
        binder.setDaemon(true);
        binder.start();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter; per-partition and per-group gauges are refreshed first. */
    public String scrape() {
        try {
            jvmMetersBound.await(10, java.util.concurrent.TimeUnit.SECONDS); // bounded: a scrape without them beats none
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        refreshLogSizes();
        refreshConsumerLag();
        return registry.scrape();
    }

    /**
     * The network threads' idle ratio ({@code SocketServer.NetworkProcessorAvgIdlePercent}, from the event-loop time
     * {@link #networkBusy} reports) and the request queue's length ({@code RequestChannel.RequestQueueSize}: requests
     * handed to the request pool that no handler thread has taken yet).
     */
    public void bindNetwork(int networkThreads, java.util.concurrent.ThreadPoolExecutor requestPool) {
        IdleRatio networkIdle = new IdleRatio(networkBusyNanos, networkThreads, System::nanoTime);
        Gauge.builder("kafka.network.socketserver.networkprocessoravgidle.percent", networkIdle, IdleRatio::sample)
                .strongReference(true).register(registry);
        Gauge.builder("kafka.network.requestchannel.requestqueuesize", requestPool, p -> p.getQueue().size())
                .strongReference(true).register(registry);
    }

    /** Time a network thread spent reading, parsing or encoding (not waiting for the socket). */
    public void networkBusy(long nanos) {
        networkBusyNanos.add(nanos);
    }

    /** A request taken by a handler thread {@code nanos} after the network thread queued it: RequestQueueTimeMs{request}. */
    public void requestDequeued(ApiSpec spec, long nanos) {
        int key = spec.key();
        if (key < 0 || key >= MAX_API_KEY) return;
        DistributionSummary s = queueTime[key];
        if (s == null) {
            synchronized (queueTime) {
                s = queueTime[key];
                if (s == null) {
                    s = DistributionSummary.builder("kafka.network.requestmetrics.requestqueuetimems").tag("request", spec.name())
                            .publishPercentiles(0.5, 0.75, 0.95, 0.98, 0.99, 0.999).register(registry);
                    queueTime[key] = s;
                }
            }
        }
        s.record(nanos / 1_000_000.0);
    }

    /** A classic group's join phase ended in a new generation. */
    public void classicRebalanceCompleted() {
        classicRebalances.increment();
    }

    /** One log flush that wrote something, {@code nanos} long. */
    public void logFlushed(long nanos) {
        logFlushTime.record(nanos / 1_000_000.0);
    }

    /** Consumer lag per group and partition ({@code kafka_consumergroup_lag}) for the groups coordinated here. */
    public void bindConsumerLag(io.fjord.broker.group.GroupCoordinator groups, ReplicaManager replicas) {
        this.lagSource = new LagSource(groups, replicas);
    }

    private void refreshLogSizes() {
        ReplicaManager r = replicaState;
        if (r == null) return;
        List<MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
        for (Partition p : r.partitions()) {
            if (p.role() == Partition.Role.REMOVED || p.role() == Partition.Role.NONE) continue;
            long size = p.log().sizeInBytes();
            rows.add(MultiGauge.Row.of(Tags.of("topic", p.topicPartition().topic(), "partition",
                    Integer.toString(p.topicPartition().partition())), size));
        }
        logSize.register(rows, true);
    }

    /**
     * Lag = the partition's high watermark here minus the committed offset (never negative), as Kafka Exporter
     * computes it from the latest offset; partitions this broker does not host have no high watermark here and are
     * left out. Each group's offsets are read with a bound so a busy coordinator cannot stall a scrape.
     */
    private void refreshConsumerLag() {
        LagSource src = lagSource;
        if (src == null) return;
        List<MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
        try {
            for (var g : src.groups().list().get(5, java.util.concurrent.TimeUnit.SECONDS)) {
                var f = src.groups().fetchOffsets(g.groupId(), null).get(5, java.util.concurrent.TimeUnit.SECONDS);
                for (var t : f.offsets().entrySet()) {
                    for (var p : t.getValue().entrySet()) {
                        long committed = p.getValue().offset();
                        if (committed < 0) continue;
                        Partition part = src.replicas().partition(new io.fjord.broker.replica.TopicPartition(t.getKey(), p.getKey()));
                        if (part == null || !part.isLeader()) continue;
                        rows.add(MultiGauge.Row.of(Tags.of("consumergroup", g.groupId(), "topic", t.getKey(),
                                "partition", Integer.toString(p.getKey())), Math.max(0, part.highWatermark() - committed)));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            return; // keep the last values: a coordinator that is loading or moving is not a scrape failure
        }
        consumerLag.register(rows, true);
    }

    // ------------------------------------------------------------------ requests (network layer)

    /**
     * One request answered (or, for acks=0, finished): Kafka's RequestsPerSec{request,version}, TotalTimeMs{request}
     * and ErrorsPerSec{request,error} (every non-zero ErrorCode in the response, at any depth, as Kafka counts them).
     */
    public void requestCompleted(ApiSpec spec, short version, long totalNanos, Struct response) {
        int key = spec.key();
        if (key < 0 || key >= MAX_API_KEY) return;
        requestCounter(spec, version).increment();
        DistributionSummary t = totalTime[key];
        if (t == null) {
            t = DistributionSummary.builder("kafka.network.requestmetrics.totaltimems").tag("request", spec.name())
                    .publishPercentiles(0.5, 0.75, 0.95, 0.98, 0.99, 0.999).register(registry);
            totalTime[key] = t;
        }
        t.record(totalNanos / 1_000_000.0);
        if (response != null) countErrors(spec, response);
    }

    private Counter requestCounter(ApiSpec spec, short version) {
        int key = spec.key();
        Counter[] byVersion = requests[key];
        if (byVersion == null) {
            byVersion = new Counter[MAX_VERSION];
            requests[key] = byVersion;
        }
        int v = Math.min(Math.max(version, 0), MAX_VERSION - 1);
        Counter c = byVersion[v];
        if (c == null) {
            // Registering the same id twice returns the same meter, so a race here only costs a lookup.
            c = Counter.builder("kafka.network.requestmetrics.requests").tag("request", spec.name())
                    .tag("version", Short.toString(version)).register(registry);
            byVersion[v] = c;
        }
        return c;
    }

    private void countErrors(ApiSpec spec, Struct s) {
        for (String name : errorPaths(s.schema())) {
            Object v = s.get(name);
            if (v instanceof Short code) {
                if (code != 0) errorCounter(spec, code).increment();
            } else if (v instanceof List<?> list) {
                for (Object o : list) if (o instanceof Struct child) countErrors(spec, child);
            } else if (v instanceof Struct child) {
                countErrors(spec, child);
            }
        }
    }

    /**
     * The fields of a schema worth visiting for error codes: its ErrorCode and its struct or array fields (an array of
     * primitives yields no Struct and costs one look). Computed once per schema, so a response walk touches only them.
     */
    private List<String> errorPaths(io.fjord.protocol.types.Schema schema) {
        List<String> paths = errorPaths.get(schema);
        if (paths != null) return paths;
        List<String> out = new java.util.ArrayList<>();
        for (Field f : schema.fields()) {
            if (f.name().equals("ErrorCode") || f.structSchema() != null) out.add(f.name());
        }
        errorPaths.put(schema, List.copyOf(out));
        return out;
    }

    private Counter errorCounter(ApiSpec spec, short code) {
        return errors.computeIfAbsent((spec.key() << 16) | (code & 0xffff), k -> {
            Errors e = Errors.forCode(code);
            return Counter.builder("kafka.network.requestmetrics.errors").tag("request", spec.name())
                    .tag("error", e == null ? Short.toString(code) : e.name()).register(registry);
        });
    }

    /** Time a request handler spent running (its synchronous part), for the handler pool's idle ratio. */
    public void handlerBusy(long nanos) {
        handlerBusyNanos.add(nanos);
    }

    // ------------------------------------------------------------------ topics (replica manager, fetch handler)

    /** A leader append of {@code messages} records in {@code bytes}: BytesInPerSec, MessagesInPerSec. */
    public void appended(String topic, int bytes, long messages) {
        TopicMeters m = topic(topic);
        m.bytesIn.increment(bytes);
        m.messagesIn.increment(messages);
        m.produceRequests.increment();
    }

    /** A produce to {@code topic} that failed (FailedProduceRequestsPerSec). */
    public void produceFailed(String topic) {
        topic(topic).failedProduce.increment();
    }

    /** Records sent in a fetch answer: to consumers BytesOutPerSec{topic}, to followers ReplicationBytesOutPerSec. */
    public void fetched(String topic, int bytes, boolean follower) {
        if (follower) {
            replicationBytesOut.increment(bytes);
        } else {
            TopicMeters m = topic(topic);
            m.bytesOut.increment(bytes);
            m.fetchRequests.increment();
        }
    }

    private TopicMeters topic(String topic) {
        TopicMeters m = topics.get(topic);
        return m != null ? m : topics.computeIfAbsent(topic, this::newTopicMeters);
    }

    private TopicMeters newTopicMeters(String topic) {
        return new TopicMeters(topicCounter("bytesin", topic), topicCounter("messagesin", topic),
                topicCounter("bytesout", topic), topicCounter("totalproducerequests", topic),
                topicCounter("totalfetchrequests", topic), topicCounter("failedproducerequests", topic));
    }

    private Counter topicCounter(String name, String topic) {
        return Counter.builder("kafka.server.brokertopicmetrics." + name).tag("topic", topic).register(registry);
    }

    /**
     * Totals for the console's live charts (the browser turns successive samples into rates): bytes and messages
     * in/out (of one topic, or of all when {@code topic} is null), Produce and Fetch requests, Produce p99 in ms.
     */
    public Map<String, Double> liveTotals(String topic) {
        double in = 0, out = 0, msgs = 0;
        for (Map.Entry<String, TopicMeters> e : topics.entrySet()) {
            if (topic != null && !topic.equals(e.getKey())) continue;
            in += e.getValue().bytesIn.count();
            out += e.getValue().bytesOut.count();
            msgs += e.getValue().messagesIn.count();
        }
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("bytesIn", in);
        m.put("bytesOut", out);
        m.put("messagesIn", msgs);
        m.put("produceRequests", requestsOf(0));
        m.put("fetchRequests", requestsOf(1));
        double p99 = 0;
        DistributionSummary produce = totalTime[0];
        if (produce != null) {
            for (var v : produce.takeSnapshot().percentileValues()) if (v.percentile() == 0.99) p99 = v.value();
        }
        m.put("produceP99Ms", p99);
        return m;
    }

    private double requestsOf(int key) {
        Counter[] byVersion = requests[key];
        if (byVersion == null) return 0;
        double n = 0;
        for (Counter c : byVersion) if (c != null) n += c.count();
        return n;
    }

    // ------------------------------------------------------------------ replication state (gauges, read at scrape)

    public void isrShrunk() {
        isrShrinks.increment();
    }

    public void isrExpanded() {
        isrExpands.increment();
    }

    /**
     * The replica manager's gauges (this broker's replicas) and the controller's (reported by the active
     * controller only, 0 elsewhere, as Kafka does, so a sum over brokers counts each partition once).
     */
    public void bindReplicaState(int nodeId, ReplicaManager replicas, Supplier<ClusterImage> image) {
        this.replicaState = replicas;
        // Strong references: Micrometer holds a gauge's object weakly, and the image supplier is only held here.
        Gauge.builder("kafka.server.replicamanager.partitioncount", replicas, r -> count(r, p -> p.role() != Partition.Role.REMOVED && p.role() != Partition.Role.NONE))
                .strongReference(true).register(registry);
        Gauge.builder("kafka.server.replicamanager.leadercount", replicas, r -> count(r, Partition::isLeader)).strongReference(true).register(registry);
        Gauge.builder("kafka.server.replicamanager.underreplicatedpartitions", replicas,
                r -> count(r, p -> p.isLeader() && p.state().isr().size() < p.state().replicas().size())).strongReference(true).register(registry);
        Gauge.builder("kafka.controller.kafkacontroller.activecontrollercount", image,
                i -> i.get().controllerId() == nodeId ? 1 : 0).strongReference(true).register(registry);
        Gauge.builder("kafka.controller.kafkacontroller.offlinepartitionscount", image,
                i -> activeOnly(nodeId, i.get(), ps -> ps.leader() < 0)).strongReference(true).register(registry);
        Gauge.builder("kafka.controller.kafkacontroller.globalpartitioncount", image,
                i -> activeOnly(nodeId, i.get(), ps -> true)).strongReference(true).register(registry);
        Gauge.builder("kafka.controller.kafkacontroller.globaltopiccount", image,
                i -> i.get().controllerId() == nodeId ? i.get().topics().size() : 0).strongReference(true).register(registry);
        Gauge.builder("kafka.controller.kafkacontroller.fencedbrokercount", image,
                i -> i.get().controllerId() == nodeId ? i.get().fenced().size() : 0).strongReference(true).register(registry);
        Gauge.builder("kafka.controller.kafkacontroller.activebrokercount", image,
                i -> i.get().controllerId() == nodeId ? i.get().liveBrokers().size() : 0).strongReference(true).register(registry);
    }

    private static double count(ReplicaManager r, java.util.function.Predicate<Partition> which) {
        int n = 0;
        for (Partition p : r.partitions()) if (which.test(p)) n++;
        return n;
    }

    private static double activeOnly(int nodeId, ClusterImage image, java.util.function.Predicate<PartitionState> which) {
        if (image.controllerId() != nodeId) return 0;
        int n = 0;
        for (TopicImage t : image.topics()) for (PartitionState ps : t.partitions().values()) if (which.test(ps)) n++;
        return n;
    }

    /**
     * Idle fraction of a pool between two samples: 1 − busy time / (threads × elapsed time). Sampled on scrape, so
     * it is the average since the previous scrape (Kafka's is a one-minute rate; dashboards plot either the same).
     */
    static final class IdleRatio {
        private final LongAdder busy;
        private final int threads;
        private final java.util.function.LongSupplier nanoClock;
        private long lastBusy;
        private long lastAt;

        IdleRatio(LongAdder busy, int threads, java.util.function.LongSupplier nanoClock) {
            this.busy = busy;
            this.threads = Math.max(1, threads);
            this.nanoClock = nanoClock;
            this.lastAt = nanoClock.getAsLong();
        }

        synchronized double sample() {
            long now = nanoClock.getAsLong();
            long b = busy.sum();
            long elapsed = now - lastAt;
            if (elapsed <= 0) return 1.0;
            double idle = 1.0 - (double) (b - lastBusy) / ((double) threads * elapsed);
            lastBusy = b;
            lastAt = now;
            return Math.max(0.0, Math.min(1.0, idle));
        }
    }
}
