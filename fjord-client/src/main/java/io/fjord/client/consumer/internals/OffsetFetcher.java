package io.fjord.client.consumer.internals;

import io.fjord.client.common.Cluster;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.NoOffsetForPartitionException;
import io.fjord.client.consumer.OffsetAndTimestamp;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.RetriableException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.Metadata;
import io.fjord.client.network.RequestSender;
import io.fjord.protocol.api.ListOffsetsApi;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Offset lookup by ListOffsets at each partition's leader: resetting positions (seekToBeginning/End, or
 * {@code auto.offset.reset} for partitions without a committed offset), {@code offsetsForTimes},
 * {@code beginningOffsets} and {@code endOffsets}. Retriable errors are retried after the retry backoff until the
 * caller's deadline. Blocking; used on the consumer's polling thread only.
 */
public final class OffsetFetcher {
    private final RequestSender network;
    private final Metadata metadata;
    private final SubscriptionState subscriptions;
    private final OffsetResetPolicy resetPolicy;
    private final byte isolationLevel;
    private final Time time;
    private final ExponentialBackoff retryBackoff;
    private final WakeupTrigger wakeup;

    public OffsetFetcher(RequestSender network, Metadata metadata, SubscriptionState subscriptions,
                         OffsetResetPolicy resetPolicy, byte isolationLevel, Time time, ExponentialBackoff retryBackoff,
                         WakeupTrigger wakeup) {
        this.network = network;
        this.metadata = metadata;
        this.subscriptions = subscriptions;
        this.resetPolicy = resetPolicy;
        this.isolationLevel = isolationLevel;
        this.time = time;
        this.retryBackoff = retryBackoff;
        this.wakeup = wakeup;
    }

    /**
     * Gives every assigned partition without a position one: its pending reset, else auto.offset.reset (none:
     * {@link NoOffsetForPartitionException}).
     */
    public void resetMissingPositions(long deadline) {
        Map<TopicPartition, Long> need = new HashMap<>();
        Set<TopicPartition> undefined = new HashSet<>();
        for (TopicPartition tp : subscriptions.missingPositions()) {
            Long to = subscriptions.pendingReset(tp);
            if (to == null) to = resetPolicy.resetTimestamp();
            if (to == null) undefined.add(tp);
            else need.put(tp, to);
        }
        if (!undefined.isEmpty()) throw new NoOffsetForPartitionException(undefined);
        if (need.isEmpty()) return;
        listOffsets(need, deadline, false).forEach((tp, o) -> {
            if (o != null) subscriptions.maybeSetResolvedPosition(tp, o.offset());
        });
    }

    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps, long deadline) {
        for (Long t : timestamps.values()) if (t == null || t < 0) throw new IllegalArgumentException("timestamps must not be negative");
        return listOffsets(timestamps, deadline, true);
    }

    /** The offsets at EARLIEST or LATEST for the partitions. */
    public Map<TopicPartition, Long> offsetsAt(Iterable<TopicPartition> partitions, long spec, long deadline) {
        Map<TopicPartition, Long> ask = new HashMap<>();
        for (TopicPartition tp : partitions) ask.put(tp, spec);
        Map<TopicPartition, Long> out = new HashMap<>();
        listOffsets(ask, deadline, false).forEach((tp, o) -> out.put(tp, o.offset()));
        return out;
    }

    /**
     * ListOffsets for each partition at its leader, retrying retriable errors until the deadline. With
     * {@code nullIfNone} a partition with no such record maps to null (offsetsForTimes); otherwise it is an error.
     */
    Map<TopicPartition, OffsetAndTimestamp> listOffsets(Map<TopicPartition, Long> ask, long deadline, boolean nullIfNone) {
        Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
        Map<TopicPartition, Long> remaining = new HashMap<>(ask);
        Set<String> topics = new HashSet<>();
        for (TopicPartition tp : ask.keySet()) topics.add(tp.topic());
        metadata.addTopics(topics);
        RuntimeException last = null;
        int failures = 0;
        while (!remaining.isEmpty()) {
            wakeup.maybeTrigger();
            long left = deadline - time.milliseconds();
            if (left <= 0) {
                throw new TimeoutException("Failed to get offsets for " + remaining.keySet() + " in time"
                        + (last == null ? "" : ": " + last.getMessage()));
            }
            Cluster cluster;
            try {
                cluster = metadata.awaitUntil(c -> {
                    for (TopicPartition tp : remaining.keySet()) if (c.leaderFor(tp) == null) return false;
                    return true;
                }, left, "Leaders of " + remaining.keySet());
            } catch (TimeoutException e) {
                throw new TimeoutException("Failed to get offsets for " + remaining.keySet() + ": " + e.getMessage());
            }
            Map<Integer, Map<TopicPartition, Long>> byNode = new HashMap<>();
            for (Map.Entry<TopicPartition, Long> e : remaining.entrySet()) {
                byNode.computeIfAbsent(cluster.leaderFor(e.getKey()).id(), k -> new HashMap<>()).put(e.getKey(), e.getValue());
            }
            List<CompletableFuture<ClientResponse>> futures = new ArrayList<>();
            for (Map.Entry<Integer, Map<TopicPartition, Long>> e : byNode.entrySet()) {
                futures.add(network.send(e.getKey(), ListOffsetsApi.SPEC, ListOffsetsApi.SPEC.highest(),
                        v -> request(e.getValue(), deadline), true));
            }
            boolean retry = false;
            for (CompletableFuture<ClientResponse> f : futures) {
                ClientResponse resp;
                try {
                    if (!wakeup.await(f, deadline - time.milliseconds())) continue; // out of time: reported above
                    resp = f.join();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RetriableException re) {
                        last = re;
                        retry = true;
                        continue;
                    }
                    throw e.getCause() instanceof RuntimeException re ? re : new FjordClientException("ListOffsets failed", e.getCause());
                }
                for (Struct t : resp.body().getStructs("Topics")) {
                    for (Struct p : t.getStructs("Partitions")) {
                        TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                        short code = p.getShort("ErrorCode");
                        if (!remaining.containsKey(tp)) continue;
                        if (code == 0) {
                            long off = p.getLong("Offset");
                            remaining.remove(tp);
                            out.put(tp, off < 0 && nullIfNone ? null : new OffsetAndTimestamp(off, p.getLong("Timestamp")));
                        } else if (ClientErrors.isRetriable(code)) {
                            last = ClientErrors.exception(code, null);
                            retry = true;
                            if (ClientErrors.invalidatesMetadata(code)) metadata.requestUpdate();
                        } else {
                            throw ClientErrors.exception(code, "ListOffsets for " + tp);
                        }
                    }
                }
            }
            if (retry && !remaining.isEmpty()) {
                time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(0, deadline - time.milliseconds())));
            }
        }
        return out;
    }

    private Struct request(Map<TopicPartition, Long> parts, long deadline) {
        Struct req = ListOffsetsApi.SPEC.newRequest().set("ReplicaId", -1).set("IsolationLevel", isolationLevel)
                .set("TimeoutMs", (int) Math.min(Integer.MAX_VALUE, Math.max(0, deadline - time.milliseconds())));
        Map<String, Struct> topicsReq = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> p : parts.entrySet()) {
            Struct t = topicsReq.computeIfAbsent(p.getKey().topic(), n -> req.child("Topics").set("Name", n));
            t.add("Partitions", t.child("Partitions").set("PartitionIndex", p.getKey().partition())
                    .set("Timestamp", p.getValue()));
        }
        topicsReq.values().forEach(t -> req.add("Topics", t));
        return req;
    }
}
