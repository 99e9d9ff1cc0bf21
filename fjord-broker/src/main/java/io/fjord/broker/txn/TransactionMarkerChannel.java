package io.fjord.broker.txn;

import io.fjord.broker.replica.TopicPartition;
import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Node;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.NetworkClient;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.WriteTxnMarkersApi;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the COMMIT/ABORT markers of prepared transactions: WriteTxnMarkers requests to each partition's current
 * leader (one request per broker per round, carrying every transaction that has partitions there), over Fjord's
 * own network client, as the replica fetcher talks to leaders. A partition is done when its leader answers NONE;
 * NOT_LEADER_OR_FOLLOWER, a broker that is down, no leader yet, a timeout: retried in the next round against the
 * leader the metadata then names. A partition of a deleted topic is dropped (nothing left to mark). When every
 * partition of a transaction is done the {@link Completion} writes COMPLETE_x; if that fails because this broker no
 * longer coordinates the transaction, the new coordinator resumes from its PREPARE_x record. A leader answering
 * INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED has seen a newer epoch: the markers are abandoned.
 *
 * <p>Threading: one thread ({@code fjord-txn-markers}) runs the rounds; {@link #add} and {@link #dropCoordinatorPartition}
 * may be called from any thread.
 */
public final class TransactionMarkerChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionMarkerChannel.class);

    /** The markers one prepared transaction still needs. */
    public record Pending(int coordinatorPartition, int coordinatorEpoch, TransactionMetadata prepared) {
        boolean commit() {
            return prepared.state() == TransactionState.PREPARE_COMMIT;
        }
    }

    /** Writes COMPLETE_x for a transaction whose markers are all written; fails with NOT_COORDINATOR if moved. */
    @FunctionalInterface
    public interface Completion {
        CompletableFuture<?> complete(Pending p);
    }

    private static final class Entry {
        final Pending pending;
        final Set<TopicPartition> remaining;
        boolean completing;

        Entry(Pending pending) {
            this.pending = pending;
            this.remaining = new TreeSet<>(TransactionMetadata.ORDER);
            this.remaining.addAll(pending.prepared().partitions());
        }
    }

    private final Supplier<ClusterImage> image;
    private final Completion completion;
    private final NetworkClient client;
    private final long requestTimeoutMs;
    private final long retryBackoffMs;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Object wakeup = new Object();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param bootstrap      any broker's host:port (the client needs one; requests go to node ids from the image)
     * @param clientSecurity the inter-broker listener's client settings (security.protocol, ssl.*, sasl.*)
     */
    public TransactionMarkerChannel(Supplier<ClusterImage> image, Completion completion, String bootstrap,
                                    long requestTimeoutMs, long retryBackoffMs, Map<String, Object> clientSecurity) {
        this.image = image;
        this.completion = completion;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("bootstrap.servers", bootstrap);
        cfg.put("client.id", "fjord-txn-markers");
        cfg.put("request.timeout.ms", requestTimeoutMs);
        cfg.put("reconnect.backoff.ms", 50L);
        cfg.put("reconnect.backoff.max.ms", 1000L);
        cfg.putAll(clientSecurity); // the inter-broker listener's protocol, as the replica fetchers use
        this.client = new NetworkClient(new ClientConfig(cfg), "fjord-txn-markers-io");
        this.thread = new Thread(this::loop, "fjord-txn-markers");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues the markers of a committed PREPARE_x (replacing an older entry of the same transactional id). */
    public void add(Pending p) {
        entries.put(p.prepared().transactionalId(), new Entry(p));
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    /** This broker no longer coordinates the partition: its transactions are resumed by the new coordinator. */
    public void dropCoordinatorPartition(int partition, int epoch) {
        entries.values().removeIf(e -> e.pending.coordinatorPartition() == partition && e.pending.coordinatorEpoch() <= epoch);
    }

    /** Transactional ids with markers still to write (tests). */
    public Set<String> pendingIds() {
        return Set.copyOf(entries.keySet());
    }

    private void loop() {
        while (running) {
            try {
                int work = doWork();
                synchronized (wakeup) {
                    if (running) wakeup.wait(entries.isEmpty() ? 1000 : work > 0 ? 1 : retryBackoffMs);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("transaction marker round failed", e);
            }
        }
    }

    /** One round: every pending partition's marker sent once to its leader; returns partitions and txns finished. */
    int doWork() throws InterruptedException {
        if (entries.isEmpty()) return 0;
        ClusterImage img = image.get();
        List<Node> nodes = new ArrayList<>();
        for (BrokerNode b : img.liveBrokers().values()) nodes.add(new Node(b.id(), b.host(), b.port(), b.rack()));
        client.updateNodes(nodes);
        int done = 0;
        // broker -> transactional id -> partitions to mark there
        Map<Integer, Map<String, List<TopicPartition>>> byBroker = new HashMap<>();
        for (Entry e : entries.values()) {
            synchronized (e) {
                e.remaining.removeIf(tp -> {
                    TopicImage t = img.topic(tp.topic());
                    boolean gone = t == null || t.partition(tp.partition()) == null;
                    if (gone) log.info("{}: partition {} no longer exists, no marker needed", e.pending.prepared().transactionalId(), tp);
                    return gone;
                });
                for (TopicPartition tp : e.remaining) {
                    PartitionState s = img.topic(tp.topic()).partition(tp.partition());
                    if (s.leader() < 0 || img.isFenced(s.leader()) || img.broker(s.leader()) == null) continue;
                    byBroker.computeIfAbsent(s.leader(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(e.pending.prepared().transactionalId(), k -> new ArrayList<>()).add(tp);
                }
            }
        }
        Map<Integer, CompletableFuture<ClientResponse>> sent = new HashMap<>();
        Map<Integer, Map<Long, String>> idsByPid = new HashMap<>();
        byBroker.forEach((broker, txns) -> {
            Map<Long, String> pids = new HashMap<>();
            idsByPid.put(broker, pids);
            sent.put(broker, client.send(broker, WriteTxnMarkersApi.SPEC, WriteTxnMarkersApi.SPEC.highest(),
                    v -> request(v, txns, pids), true, requestTimeoutMs));
        });
        for (Map.Entry<Integer, CompletableFuture<ClientResponse>> s : sent.entrySet()) {
            ClientResponse resp;
            try {
                resp = s.getValue().get(requestTimeoutMs + 1000, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
                log.debug("WriteTxnMarkers to broker {} failed: {}", s.getKey(), ex.toString());
                continue;
            }
            done += apply(resp.body(), idsByPid.get(s.getKey()));
        }
        for (Entry e : entries.values()) {
            boolean start;
            synchronized (e) {
                start = e.remaining.isEmpty() && !e.completing;
                if (start) e.completing = true;
            }
            if (start) {
                done++;
                complete(e);
            }
        }
        return done;
    }

    private Struct request(short version, Map<String, List<TopicPartition>> txns, Map<Long, String> pids) {
        Struct req = new Struct(WriteTxnMarkersApi.REQUEST);
        txns.forEach((id, parts) -> {
            Entry e = entries.get(id);
            if (e == null) return;
            TransactionMetadata m = e.pending.prepared();
            pids.put(m.producerId(), id);
            Struct marker = req.child("Markers").set("ProducerId", m.producerId()).set("ProducerEpoch", m.producerEpoch())
                    .set("TransactionResult", e.pending.commit()).set("CoordinatorEpoch", e.pending.coordinatorEpoch())
                    .set("TransactionVersion", (byte) m.clientTransactionVersion());
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            for (TopicPartition tp : parts) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
            byTopic.forEach((t, ps) -> marker.add("Topics", marker.child("Topics").set("Name", t).set("PartitionIndexes", ps)));
            req.add("Markers", marker);
        });
        return req;
    }

    private int apply(Struct body, Map<Long, String> pids) {
        int done = 0;
        for (Struct marker : body.getStructs("Markers")) {
            String id = pids.get(marker.getLong("ProducerId"));
            Entry e = id == null ? null : entries.get(id);
            if (e == null) continue;
            for (Struct t : marker.getStructs("Topics")) {
                for (Struct p : t.getStructs("Partitions")) {
                    TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                    Errors err = Errors.forCode(p.getShort("ErrorCode"));
                    if (err == Errors.NONE) {
                        synchronized (e) {
                            if (e.remaining.remove(tp)) done++;
                        }
                    } else if (err == Errors.INVALID_PRODUCER_EPOCH || err == Errors.TRANSACTION_COORDINATOR_FENCED) {
                        log.warn("{}: marker for {} refused with {}: a newer coordinator or epoch owns it, giving up", id, tp, err);
                        entries.remove(id, e);
                    } else {
                        log.debug("{}: marker for {} failed with {}, retrying", id, tp, err == null ? p.getShort("ErrorCode") : err);
                    }
                }
            }
        }
        return done;
    }

    private void complete(Entry e) {
        String id = e.pending.prepared().transactionalId();
        completion.complete(e.pending).whenComplete((v, ex) -> {
            if (ex == null) {
                entries.remove(id, e);
                return;
            }
            Errors err = io.fjord.broker.coordinator.CoordinatorException.errorOf(ex);
            if (err == Errors.NOT_COORDINATOR) {
                entries.remove(id, e); // the new coordinator resumes from the PREPARE_x record
            } else {
                synchronized (e) {
                    e.completing = false; // retried next round
                }
            }
        });
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        client.close();
        try {
            thread.join(5000);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
