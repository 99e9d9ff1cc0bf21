package io.fjord.client.consumer;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.PartitionInfo;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.internals.ConsumerCoordinator;
import io.fjord.client.consumer.internals.ConsumerGroupMember;
import io.fjord.client.consumer.internals.GroupMember;
import io.fjord.client.consumer.internals.Fetcher;
import io.fjord.client.consumer.internals.OffsetFetcher;
import io.fjord.client.consumer.internals.OffsetResetPolicy;
import io.fjord.client.consumer.internals.PollThreadQueue;
import io.fjord.client.consumer.internals.SubscriptionState;
import io.fjord.client.consumer.internals.WakeupTrigger;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.NetworkClient;
import io.fjord.client.serialization.Deserializer;
import io.fjord.client.serialization.Plugins;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fjord's consumer, assembled from Kafka's seams: {@link SubscriptionState} (assignment, positions, pause),
 * {@link Fetcher} (Fetch requests and decoding), {@link OffsetFetcher} (ListOffsets: resets, offsetsForTimes,
 * beginning/end offsets) and, with {@code group.id}, {@link ConsumerCoordinator} (the classic group protocol,
 * commits). Partitions come from {@link #assign} or from group membership ({@link #subscribe}); new group-assigned
 * partitions start at the committed offset, else {@code auto.offset.reset}. {@code poll} resolves missing
 * positions, keeps one Fetch in flight per leader node and hands out at most {@code max.poll.records}.
 * {@link #wakeup} (from any thread) makes the current or next blocking call throw {@link WakeupException}.
 * Not thread-safe (except {@link #wakeup}), like Kafka's consumer.
 */
public final class FjordConsumer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FjordConsumer.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** How long poll waits between looks at the group while nothing is assigned yet. */
    private static final long UNASSIGNED_WAIT_MS = 50;

    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final List<ConsumerInterceptor<K, V>> interceptors;
    private final Time time;
    private final Metadata metadata;
    private final NetworkClient network;
    private final long defaultApiTimeoutMs;
    private final SubscriptionState subscriptions = new SubscriptionState();
    private final PollThreadQueue pollThread = new PollThreadQueue();
    private final WakeupTrigger wakeup = new WakeupTrigger(pollThread);
    private final Fetcher<K, V> fetcher;
    private final OffsetFetcher offsetFetcher;
    private final GroupMember coordinator; // null without group.id
    private boolean closed;

    /** The coordinator's view of this consumer's partitions. */
    private final class Host implements ConsumerCoordinator.Host {
        @Override
        public Set<TopicPartition> owned() {
            return subscriptions.assignedPartitions();
        }

        @Override
        public void addPartitions(Collection<TopicPartition> partitions) {
            subscriptions.addGroupAssigned(partitions);
        }

        @Override
        public void removePartitions(Collection<TopicPartition> partitions) {
            subscriptions.remove(partitions);
            fetcher.clearBuffered(partitions);
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> consumed() {
            return subscriptions.consumedOffsets();
        }
    }

    public FjordConsumer(Properties props) {
        this(ClientConfig.of(props), null, null, Time.SYSTEM, new Random());
    }

    public FjordConsumer(Map<String, ?> configs) {
        this(new ClientConfig(configs), null, null, Time.SYSTEM, new Random());
    }

    public FjordConsumer(Map<String, ?> configs, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this(new ClientConfig(configs), keyDeserializer, valueDeserializer, Time.SYSTEM, new Random());
    }

    /** With the clock and the randomness (backoff jitter, node choice) passed in. */
    @SuppressWarnings("unchecked")
    public FjordConsumer(ClientConfig config, Deserializer<K> kd, Deserializer<V> vd, Time time, Random random) {
        String clientId = config.getString("client.id", "fjord-consumer-" + IDS.incrementAndGet());
        this.time = time;
        this.keyDeserializer = Plugins.deserializer(config, kd, "key.deserializer", true);
        this.valueDeserializer = Plugins.deserializer(config, vd, "value.deserializer", false);
        this.interceptors = (List<ConsumerInterceptor<K, V>>) (List<?>) Plugins.list(config, "interceptor.classes",
                ConsumerInterceptor.class);
        interceptors.forEach(i -> i.configure(config.asMap()));
        int maxPollRecords = config.getInt("max.poll.records", 500);
        if (maxPollRecords < 1) throw new FjordClientException("max.poll.records must be at least 1");
        String iso = config.getString("isolation.level", "read_uncommitted");
        byte isolationLevel = switch (iso) {
            case "read_uncommitted" -> (byte) 0;
            case "read_committed" -> (byte) 1;
            default -> throw new FjordClientException("Invalid value " + iso + " for isolation.level: expected read_uncommitted or read_committed");
        };
        OffsetResetPolicy resetPolicy = OffsetResetPolicy.parse(config.getString("auto.offset.reset", "latest"));
        this.defaultApiTimeoutMs = config.getLong("default.api.timeout.ms", 60000);
        ExponentialBackoff retryBackoff = ExponentialBackoff.retry(config, random);
        this.metadata = new Metadata(config.getLong("metadata.max.age.ms", 300000), retryBackoff,
                config.getBoolean("allow.auto.create.topics", true), time);
        // request.timeout.ms stays as configured for every request: only the JoinGroup gets the rebalance timeout,
        // per request (see ConsumerCoordinator), so a stalled Fetch or Metadata is noticed in request.timeout.ms.
        this.network = new NetworkClient(config, clientId + "-network", time, random);
        metadata.attach(network);
        Fetcher.Settings fetch = new Fetcher.Settings(config.getInt("fetch.min.bytes", 1), config.getInt("fetch.max.wait.ms", 500),
                config.getInt("fetch.max.bytes", 52428800), config.getInt("max.partition.fetch.bytes", 1048576),
                maxPollRecords, isolationLevel, resetPolicy);
        this.fetcher = new Fetcher<>(fetch, network, new Fetcher.MetadataView() {
            @Override
            public Cluster cluster() {
                return metadata.cluster();
            }

            @Override
            public void requestUpdate() {
                metadata.requestUpdate();
            }
        }, subscriptions, pollThread, keyDeserializer, valueDeserializer, time, retryBackoff);
        this.offsetFetcher = new OffsetFetcher(network, metadata, subscriptions, resetPolicy, isolationLevel, time,
                retryBackoff, wakeup);
        String groupId = config.getString("group.id", null);
        String groupProtocol = config.getString("group.protocol", "classic").toLowerCase(java.util.Locale.ROOT);
        if (!groupProtocol.equals("classic") && !groupProtocol.equals("consumer")) {
            throw new FjordClientException("Invalid value " + groupProtocol + " for group.protocol: expected classic or consumer");
        }
        if (groupId == null) {
            this.coordinator = null;
        } else if (groupProtocol.equals("consumer")) {
            this.coordinator = new ConsumerGroupMember(config, groupId, clientId, network, metadata, new Host(), time, random,
                    retryBackoff, wakeup, pollThread, this::onCommitted);
        } else {
            this.coordinator = new ConsumerCoordinator(config, groupId, clientId, network, metadata,
                    new Host(), time, retryBackoff, wakeup, pollThread, this::onCommitted);
        }
    }

    private void onCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (ConsumerInterceptor<K, V> i : interceptors) {
            try {
                i.onCommit(offsets);
            } catch (RuntimeException e) {
                log.warn("interceptor {} onCommit failed", i.getClass().getName(), e);
            }
        }
    }

    private long deadline(Duration timeout) {
        return time.milliseconds() + timeout.toMillis();
    }

    private Duration defaultTimeout() {
        return Duration.ofMillis(defaultApiTimeoutMs);
    }

    // ---- group membership ----

    public void subscribe(Collection<String> topics) {
        subscribe(topics, null);
    }

    /** Joins group.id with these topics; the listener runs in poll() around rebalances. */
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        ensureOpen();
        for (String t : topics) if (t == null || t.isBlank()) throw new IllegalArgumentException("Topic collection to subscribe to cannot contain null or empty topic");
        if (topics.isEmpty()) {
            unsubscribe();
            return;
        }
        requireGroup();
        subscriptions.subscribeByGroup(SubscriptionState.Mode.AUTO_TOPICS);
        coordinator.subscribe(new HashSet<>(topics), null, listener);
    }

    public void subscribe(Pattern pattern) {
        subscribe(pattern, null);
    }

    /** Joins group.id with the topics matching the pattern, re-evaluated on every metadata refresh. */
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        ensureOpen();
        if (pattern == null) throw new IllegalArgumentException("Topic pattern to subscribe to cannot be null");
        requireGroup();
        subscriptions.subscribeByGroup(SubscriptionState.Mode.AUTO_PATTERN);
        coordinator.subscribe(Set.of(), pattern, listener);
    }

    public Set<String> subscription() {
        return subscriptions.isGroupSubscribed() ? coordinator.subscription() : Set.of();
    }

    /** Member id, generation and group of this consumer ("" / -1 when not a member). */
    public String groupMemberId() {
        return coordinator == null ? "" : coordinator.memberId();
    }

    public int groupGeneration() {
        return coordinator == null ? -1 : coordinator.generation();
    }

    private GroupMember requireGroup() {
        if (coordinator == null) {
            throw new FjordClientException("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.");
        }
        return coordinator;
    }

    // ---- commits ----

    public void commitSync() {
        commitSync(defaultTimeout());
    }

    public void commitSync(Duration timeout) {
        ensureOpen();
        requireGroup().offsets().commitSync(subscriptions.consumedOffsets(), deadline(timeout));
    }

    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        commitSync(offsets, defaultTimeout());
    }

    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        ensureOpen();
        requireGroup().offsets().commitSync(Map.copyOf(offsets), deadline(timeout));
    }

    public void commitAsync() {
        commitAsync(null);
    }

    public void commitAsync(OffsetCommitCallback callback) {
        commitAsync(subscriptions.consumedOffsets(), callback);
    }

    /** Sends the commit and returns; the callback runs in a later poll (or commitSync/close) on this thread. */
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        ensureOpen();
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
        requireGroup().offsets().sendCommit(copy).whenComplete((v, e) -> pollThread.add(() -> {
            if (callback != null) {
                callback.onComplete(copy, e == null ? null : (Exception) (e instanceof Exception ex ? ex : new FjordClientException(e.toString())));
            } else if (e != null) {
                log.warn("async commit of {} failed: {}", copy, e.toString());
            }
        }));
    }

    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return committed(partitions, defaultTimeout());
    }

    /** The group's committed offsets (partitions without one are left out). */
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        ensureOpen();
        return requireGroup().offsets().fetchCommitted(partitions, deadline(timeout));
    }

    // ---- assignment, positions, pause ----

    public void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
        subscriptions.assignFromUser(partitions);
        fetcher.retainBuffered(subscriptions.assignedPartitions());
        Set<String> topics = new HashSet<>();
        for (TopicPartition tp : partitions) topics.add(tp.topic());
        metadata.setTopics(topics);
    }

    public Set<TopicPartition> assignment() {
        return subscriptions.assignedPartitions();
    }

    public void unsubscribe() {
        ensureOpen();
        if (subscriptions.isGroupSubscribed()) {
            coordinator.leave(deadline(defaultTimeout()), true);
            coordinator.subscribe(Set.of(), null, null);
        }
        subscriptions.unsubscribe();
        fetcher.retainBuffered(Set.of());
        metadata.setTopics(Set.of());
    }

    public void seek(TopicPartition tp, long offset) {
        ensureOpen();
        if (offset < 0) throw new IllegalArgumentException("seek offset must not be negative");
        subscriptions.seek(tp, offset);
        fetcher.clearBuffered(List.of(tp));
    }

    public void seekToBeginning(Collection<TopicPartition> partitions) {
        reset(partitions, SubscriptionState.EARLIEST);
    }

    public void seekToEnd(Collection<TopicPartition> partitions) {
        reset(partitions, SubscriptionState.LATEST);
    }

    private void reset(Collection<TopicPartition> partitions, long to) {
        ensureOpen();
        for (TopicPartition tp : partitions) subscriptions.requestReset(tp, to);
        fetcher.clearBuffered(partitions);
    }

    public long position(TopicPartition tp) {
        return position(tp, defaultTimeout());
    }

    /** The next offset poll will hand out for the partition, looking it up if unknown. */
    public long position(TopicPartition tp, Duration timeout) {
        ensureOpen();
        long deadline = deadline(timeout);
        while (subscriptions.position(tp) == null) {
            resolvePositions(deadline);
            if (subscriptions.position(tp) == null && time.milliseconds() >= deadline) {
                throw new TimeoutException("Timeout of " + timeout.toMillis() + " ms expired before the position for partition "
                        + tp + " could be determined");
            }
        }
        return subscriptions.position(tp);
    }

    /** Stops fetching from the partitions (they stay assigned; buffered records wait) until {@link #resume}. */
    public void pause(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) subscriptions.pause(tp);
    }

    public void resume(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) subscriptions.resume(tp);
    }

    public Set<TopicPartition> paused() {
        return subscriptions.pausedPartitions();
    }

    /** From any thread: the current or next blocking call (poll, commitSync, position, ...) throws WakeupException. */
    public void wakeup() {
        wakeup.wakeup();
        network.wakeup();
    }

    // ---- polling ----

    public ConsumerRecords<K, V> poll(Duration timeout) {
        ensureOpen();
        if (subscriptions.hasNoAssignment() && !subscriptions.isGroupSubscribed()) {
            throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions");
        }
        long deadline = deadline(timeout);
        do {
            pollThread.runPending(0); // fetch answers, async commit callbacks
            wakeup.maybeTrigger();
            fetcher.throwPendingError();
            if (subscriptions.isGroupSubscribed()) {
                coordinator.poll(deadline);
            } else if (coordinator != null) {
                coordinator.pollAssigned(); // manual assignment: auto-commit only
            }
            if (subscriptions.hasNoAssignment()) {
                long left = deadline - time.milliseconds();
                if (left <= 0) break;
                pollThread.runPending(Math.min(left, UNASSIGNED_WAIT_MS)); // nothing assigned (yet): look again soon
                continue;
            }
            try {
                resolvePositions(deadline);
            } catch (TimeoutException e) {
                break; // positions still unknown: nothing to return this time
            }
            pollThread.runPending(0);
            fetcher.throwPendingError();
            if (fetcher.hasBuffered()) {
                ConsumerRecords<K, V> out = fetcher.collect();
                fetcher.sendFetches(); // pipeline: the next fetch travels while the caller works
                if (!out.isEmpty()) return intercept(out);
            }
            fetcher.sendFetches();
            long left = deadline - time.milliseconds();
            if (left > 0) pollThread.runPending(left);
        } while (time.milliseconds() < deadline);
        wakeup.maybeTrigger();
        fetcher.throwPendingError();
        return intercept(fetcher.collect());
    }

    private ConsumerRecords<K, V> intercept(ConsumerRecords<K, V> records) {
        ConsumerRecords<K, V> r = records;
        for (ConsumerInterceptor<K, V> i : interceptors) {
            try {
                r = i.onConsume(r);
            } catch (RuntimeException e) {
                log.warn("interceptor {} onConsume failed", i.getClass().getName(), e);
            }
        }
        return r;
    }

    /** Group-assigned partitions start at the committed offset; the rest by their reset (or auto.offset.reset). */
    private void resolvePositions(long deadline) {
        Set<TopicPartition> askCommitted = subscriptions.needingCommittedLookup();
        if (!askCommitted.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = coordinator.offsets().fetchCommitted(askCommitted, deadline);
            for (TopicPartition tp : askCommitted) {
                subscriptions.committedLookupDone(tp);
                OffsetAndMetadata om = committed.get(tp);
                if (om != null) subscriptions.maybeSetResolvedPosition(tp, om.offset());
            }
        }
        offsetFetcher.resetMissingPositions(deadline);
    }

    // ---- offset lookup ----

    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        return offsetsForTimes(timestamps, defaultTimeout());
    }

    /** The earliest offset whose timestamp is at or after the given one, per partition (null where none). */
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps, Duration timeout) {
        ensureOpen();
        return offsetFetcher.offsetsForTimes(timestamps, deadline(timeout));
    }

    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return beginningOffsets(partitions, defaultTimeout());
    }

    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        ensureOpen();
        return offsetFetcher.offsetsAt(partitions, SubscriptionState.EARLIEST, deadline(timeout));
    }

    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return endOffsets(partitions, defaultTimeout());
    }

    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        ensureOpen();
        return offsetFetcher.offsetsAt(partitions, SubscriptionState.LATEST, deadline(timeout));
    }

    /** The partitions of a topic, from metadata (fetched if the topic is not known yet). */
    public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
        ensureOpen();
        metadata.addTopics(Set.of(topic));
        return metadata.awaitUntil(c -> c.partitionCount(topic) != null, timeout.toMillis(), "Topic " + topic)
                .partitionsForTopic(topic);
    }

    public List<PartitionInfo> partitionsFor(String topic) {
        return partitionsFor(topic, defaultTimeout());
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("This consumer has already been closed.");
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Commits (auto-commit) and revokes the owned partitions, leaves the group (not a static member: it stays
     * until its session times out), then closes the connections.
     */
    public void close(Duration timeout) {
        if (closed) return;
        long deadline = deadline(timeout);
        try {
            if (coordinator != null) {
                if (subscriptions.isGroupSubscribed()) {
                    coordinator.leave(deadline, true);
                } else if (coordinator.offsets().autoCommitEnabled() && !subscriptions.hasNoAssignment()) {
                    coordinator.offsets().commitSync(subscriptions.consumedOffsets(), deadline);
                }
            }
        } catch (RuntimeException e) {
            log.warn("closing the consumer: {}", e.toString());
        } finally {
            closed = true;
            if (coordinator != null) coordinator.close();
        }
        pollThread.runPending(0);
        network.close();
        for (ConsumerInterceptor<K, V> i : interceptors) i.close();
        keyDeserializer.close();
        valueDeserializer.close();
    }
}
