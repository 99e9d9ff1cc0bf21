package io.fjord.client.producer;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.NetworkClient;
import io.fjord.client.serialization.Plugins;
import io.fjord.client.serialization.SerializationException;
import io.fjord.client.serialization.Serializer;
import io.fjord.protocol.record.CompressionType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fjord's producer. {@code send} runs the pipeline on the caller's thread: interceptors' {@code onSend},
 * key and value serializers, the partitioner, then the record accumulator (which may block up to
 * {@code max.block.ms} for metadata or memory). The sender thread ships batches and completes each record's
 * future and callback exactly once. Settings use Kafka's producer config names and defaults.
 * Thread-safe.
 */
public final class FjordProducer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FjordProducer.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final ClientConfig config;
    private final Time time;
    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final ProducerInterceptors<K, V> interceptors;
    private final Metadata metadata;
    private final NetworkClient network;
    private final RecordAccumulator accumulator;
    private final BufferPool pool;
    private final BuiltInPartitioner partitioner;
    private final Sender sender;
    private final TransactionManager transactions; // null without transactional.id
    private final Thread senderThread;
    private final long maxBlockMs;
    private final int maxRequestSize;
    private volatile boolean closed;

    public FjordProducer(Properties props) {
        this(ClientConfig.of(props), null, null);
    }

    public FjordProducer(Map<String, ?> configs) {
        this(new ClientConfig(configs), null, null);
    }

    public FjordProducer(Map<String, ?> configs, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(new ClientConfig(configs), keySerializer, valueSerializer);
    }

    private FjordProducer(ClientConfig config, Serializer<K> ks, Serializer<V> vs) {
        this(config, ks, vs, Time.SYSTEM, new Random());
    }

    /** With the clock and the randomness (backoff jitter, node choice) passed in, for tests. */
    @SuppressWarnings("unchecked")
    FjordProducer(ClientConfig config, Serializer<K> ks, Serializer<V> vs, Time time, Random random) {
        this.config = config;
        this.time = time;
        String clientId = config.getString("client.id", "fjord-producer-" + IDS.incrementAndGet());
        this.keySerializer = Plugins.serializer(config, ks, "key.serializer", true);
        this.valueSerializer = Plugins.serializer(config, vs, "value.serializer", false);
        List<ProducerInterceptor<K, V>> list = (List<ProducerInterceptor<K, V>>) (List<?>) Plugins.list(config,
                "interceptor.classes", ProducerInterceptor.class);
        list.forEach(i -> i.configure(config.asMap()));
        this.interceptors = new ProducerInterceptors<>(list);

        String acksStr = config.getString("acks", "all");
        short acks = switch (acksStr) {
            case "all", "-1" -> (short) -1;
            case "0" -> (short) 0;
            case "1" -> (short) 1;
            default -> throw new FjordClientException("Invalid value " + acksStr + " for acks: expected all, -1, 0 or 1");
        };
        int retries = config.getInt("retries", Integer.MAX_VALUE);
        int maxInFlight = config.getInt("max.in.flight.requests.per.connection", 5);
        boolean idempotenceExplicit = config.has("enable.idempotence");
        boolean idempotence = config.getBoolean("enable.idempotence", true);
        String transactionalId = config.getString("transactional.id", null);
        if (transactionalId != null && !idempotence) {
            throw new FjordClientException("Cannot set a transactional.id without also enabling idempotence.");
        }
        if (transactionalId != null) idempotenceExplicit = true; // a conflicting setting is an error, not a downgrade
        if (idempotence) {
            String conflict = acks != -1 ? "acks must be all" : retries <= 0 ? "retries must be above 0"
                    : maxInFlight > 5 ? "max.in.flight.requests.per.connection must be at most 5" : null;
            if (conflict != null) {
                if (idempotenceExplicit) throw new FjordClientException("enable.idempotence=true requires that " + conflict);
                idempotence = false; // as Kafka: the default gives way to conflicting explicit settings
            }
        }
        int batchSize = config.getInt("batch.size", 16384);
        long lingerMs = config.getLong("linger.ms", 5);
        ExponentialBackoff retryBackoff = ExponentialBackoff.retry(config, random);
        int requestTimeoutMs = config.getInt("request.timeout.ms", 30000);
        long deliveryTimeoutMs = config.getLong("delivery.timeout.ms", 120000);
        if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
            if (config.has("delivery.timeout.ms")) {
                throw new FjordClientException("delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms");
            }
            deliveryTimeoutMs = lingerMs + requestTimeoutMs;
        }
        this.maxBlockMs = config.getLong("max.block.ms", 60000);
        this.maxRequestSize = config.getInt("max.request.size", 1048576);
        CompressionType compression = compression(config.getString("compression.type", "none"));
        this.pool = new BufferPool(config.getLong("buffer.memory", 33554432L));
        this.accumulator = new RecordAccumulator(batchSize, lingerMs, retryBackoff, deliveryTimeoutMs, compression,
                pool, time::milliseconds);

        this.metadata = new Metadata(config.getLong("metadata.max.age.ms", 300000), retryBackoff, true, time);
        this.network = new NetworkClient(config, clientId + "-network", time, random);
        metadata.attach(network);
        Sender[] holder = new Sender[1];
        this.partitioner = new BuiltInPartitioner(batchSize,
                config.getBoolean("partitioner.adaptive.partitioning.enable", true),
                config.getLong("partitioner.availability.timeout.ms", 0),
                config.getBoolean("partitioner.ignore.keys", false),
                new BuiltInPartitioner.LoadStats() {
                    @Override
                    public int queuedBatches(TopicPartition tp) {
                        return accumulator.queuedBatches(tp);
                    }

                    @Override
                    public long unavailableMs(int nodeId) {
                        return holder[0] == null ? 0 : holder[0].unavailableMs(nodeId);
                    }
                }, random);
        this.sender = new Sender(accumulator, network, new Sender.MetadataView() {
            @Override
            public Cluster cluster() {
                return metadata.cluster();
            }

            @Override
            public void requestUpdate() {
                metadata.requestUpdate();
            }

            @Override
            public void addTopic(String topic) {
                metadata.addTopics(Set.of(topic));
            }

            @Override
            public Integer anyNode() {
                return network.leastLoadedNode();
            }
        }, acks, retries, maxInFlight, maxRequestSize, requestTimeoutMs, retryBackoff, deliveryTimeoutMs,
                idempotence ? new IdempotenceManager() : null, time);
        holder[0] = sender;
        if (transactionalId != null) {
            this.transactions = new TransactionManager(transactionalId, config.getInt("transaction.timeout.ms", 60000),
                    network, time, retryBackoff);
            accumulator.transactional(true);
            sender.transactional(transactions);
        } else {
            this.transactions = null;
        }
        this.senderThread = new Thread(sender, clientId + "-sender");
        senderThread.setDaemon(true);
        senderThread.start();
    }

    // ---- transactions (transactional.id) ----

    private TransactionManager transactions() {
        if (transactions == null) throw new IllegalStateException("Transactional method invoked on a non-transactional producer.");
        if (closed) throw new IllegalStateException("Cannot perform operation after producer has been closed");
        return transactions;
    }

    /**
     * Gets the producer id of {@code transactional.id} from the transaction coordinator (fencing any earlier producer
     * with the id, whose open transaction the coordinator aborts). Call once, before any other transactional call.
     */
    public void initTransactions() {
        transactions().initTransactions(time.milliseconds() + maxBlockMs);
    }

    public void beginTransaction() {
        transactions().beginTransaction();
    }

    /** The consumer's offsets commit with this transaction (consume-transform-produce). */
    public void sendOffsetsToTransaction(Map<TopicPartition, io.fjord.client.consumer.OffsetAndMetadata> offsets, String groupId) {
        transactions().sendOffsets(offsets, groupId, time.milliseconds() + maxBlockMs);
    }

    /**
     * Flushes, then commits: every record sent in the transaction becomes visible to read_committed consumers. A
     * failed send makes the transaction abortable (this throws; call {@link #abortTransaction}); fenced: fatal.
     */
    public void commitTransaction() {
        TransactionManager t = transactions();
        flush();
        t.commit(time.milliseconds() + maxBlockMs);
    }

    /** Flushes what was sent, then aborts: read_committed consumers never see the transaction's records. */
    public void abortTransaction() {
        TransactionManager t = transactions();
        flush();
        t.abort(time.milliseconds() + maxBlockMs);
    }

    static CompressionType compression(String name) {
        for (CompressionType c : CompressionType.values()) if (c.configName.equalsIgnoreCase(name)) return c;
        throw new FjordClientException("Invalid value " + name + " for compression.type: expected none, gzip, snappy, lz4 or zstd");
    }

    public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    /**
     * Queues the record and returns at once (unless metadata or memory is missing: then waits up to
     * {@code max.block.ms}). Failures before the record is queued (timeout, too large) are reported through the
     * callback and future as well, like those after.
     */
    public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
        if (closed) throw new IllegalStateException("Cannot perform operation after producer has been closed");
        RuntimeException fatal = sender.fatalError();
        if (fatal != null) throw fatal;
        ProducerRecord<K, V> r = interceptors.onSend(record);
        long start = time.milliseconds();
        TopicPartition tp = null;
        int keySize = -1;
        int valueSize = -1;
        try {
            String topic = r.topic();
            metadata.addTopics(Set.of(topic));
            Cluster cluster = metadata.awaitUntil(c -> {
                Integer count = c.partitionCount(topic);
                return count != null && count > 0 && (r.partition() == null || r.partition() < count);
            }, maxBlockMs, r.partition() == null ? "Topic " + topic : "Partition " + r.partition() + " of topic " + topic);
            byte[] key;
            byte[] value;
            try {
                key = keySerializer.serialize(topic, r.key());
                value = valueSerializer.serialize(topic, r.value());
            } catch (ClassCastException e) {
                throw new SerializationException("Can't serialize the record's key or value for topic " + topic
                        + " with the configured serializers", e);
            }
            keySize = key == null ? -1 : key.length;
            valueSize = value == null ? -1 : value.length;
            int partition = r.partition() != null ? r.partition() : partitioner.partition(topic, key, cluster);
            tp = new TopicPartition(topic, partition);
            int size = ProducerBatch.estimate(key, value, r.headers()) + 61;
            if (size > maxRequestSize) {
                throw new io.fjord.client.errors.ApiException((short) 10, "MESSAGE_TOO_LARGE", false, "The message is "
                        + size + " bytes when serialized which is larger than max.request.size " + maxRequestSize);
            }
            if (size > pool.totalMemory()) {
                throw new io.fjord.client.errors.ApiException((short) 10, "MESSAGE_TOO_LARGE", false, "The message is "
                        + size + " bytes when serialized which is larger than buffer.memory " + pool.totalMemory());
            }
            long ts = r.timestamp() != null ? r.timestamp() : time.milliseconds();
            long left = Math.max(0, maxBlockMs - (time.milliseconds() - start));
            final TopicPartition target = tp;
            if (transactions != null) transactions.maybeAddPartition(tp, start + maxBlockMs);
            RecordAccumulator.AppendResult res = accumulator.append(tp, ts, key, value, r.headers(), (md, ex) -> {
                interceptors.onAcknowledgement(md, ex);
                if (callback != null) {
                    try {
                        callback.onCompletion(ex == null ? md : null, ex);
                    } catch (RuntimeException e) {
                        log.error("producer callback for {} threw", target, e);
                    }
                }
            }, left);
            if (r.partition() == null) partitioner.onAppend(topic, partition, size, cluster);
            if (res.batchIsFull() || res.newBatchCreated()) sender.wakeup();
            if (transactions != null) transactions.recordSend(res.future());
            return res.future();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted while sending", e);
        } catch (SerializationException | IllegalStateException e) {
            throw e;
        } catch (FjordClientException e) {
            RecordMetadata md = new RecordMetadata(tp == null ? new TopicPartition(r.topic(), r.partition() == null ? -1 : r.partition()) : tp,
                    -1, -1, keySize, valueSize);
            interceptors.onAcknowledgement(md, e);
            if (callback != null) callback.onCompletion(null, e);
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Makes every queued record sendable at once and waits until all sent so far are complete. */
    public void flush() {
        accumulator.beginFlush();
        sender.wakeup();
        try {
            accumulator.awaitFlushCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted while flushing", e);
        } finally {
            accumulator.endFlush();
        }
    }

    /** The partitions of {@code topic}, waiting up to {@code max.block.ms} for metadata. */
    public List<io.fjord.client.common.PartitionInfo> partitionsFor(String topic) {
        metadata.addTopics(Set.of(topic));
        return metadata.awaitUntil(c -> c.partitionCount(topic) != null, maxBlockMs, "Topic " + topic)
                .partitionsForTopic(topic);
    }

    /**
     * Cumulative counters: records sent, retried and failed, batches and produce requests (Kafka's producer metric
     * names), and the network client's connection and request counters.
     */
    public Map<String, Long> metrics() {
        Map<String, Long> m = new java.util.LinkedHashMap<>(sender.metrics.snapshot());
        m.putAll(network.metrics());
        return m;
    }

    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Sends what is queued for up to {@code timeout}, then fails whatever is left (each record's callback is told)
     * and stops the threads. Never waits much beyond the timeout (bounded by 5 s more for the threads to stop).
     */
    public void close(Duration timeout) {
        if (closed) return;
        closed = true;
        long ms = timeout.toMillis();
        sender.initiateClose();
        pool.close();
        if (Thread.currentThread() == senderThread) {
            // Called from a callback: waiting for ourselves would hang, so give up what is left.
            log.warn("close() called from a producer callback: closing without waiting");
            sender.forceClose();
            network.close();
            return;
        }
        try {
            if (ms > 0) senderThread.join(Math.min(ms, Long.MAX_VALUE / 2));
            if (senderThread.isAlive()) {
                sender.forceClose();
                senderThread.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sender.forceClose();
        }
        network.close();
        interceptors.close();
        keySerializer.close();
        valueSerializer.close();
        if (senderThread.isAlive()) log.warn("sender thread did not stop in time");
    }

    // For tests.
    Sender sender() {
        return sender;
    }

    static TimeoutException timeout(String msg) {
        return new TimeoutException(msg);
    }
}
