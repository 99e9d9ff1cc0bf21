package io.fjord.client.consumer.internals;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.CommitFailedException;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.consumer.RebalanceInProgressException;
import io.fjord.client.errors.ApiException;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.RetriableException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.RequestSender;
import io.fjord.protocol.api.OffsetCommitApi;
import io.fjord.protocol.api.OffsetFetchApi;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group's offsets: OffsetCommit (sync with retries until a deadline, async, and {@code enable.auto.commit}
 * every {@code auto.commit.interval.ms}) and OffsetFetch (committed offsets). A commit carries the member's
 * generation, or none (-1, no member id) for a consumer with manually assigned partitions; a commit of the current
 * generation answered ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / REBALANCE_IN_PROGRESS fences the member. Successful
 * commits are reported to {@code onCommitted} (the interceptors' onCommit) on the polling thread. Blocking calls run
 * on the polling thread; answers arrive on the I/O thread and only touch thread-safe state.
 */
public final class OffsetCommitter {
    private static final Logger log = LoggerFactory.getLogger(OffsetCommitter.class);
    static final short OFFSET_COMMIT_MAX = 9; // v10 names topics by id
    static final short OFFSET_FETCH_MAX = 7; // v8+ batches groups

    private final String groupId;
    private final String groupInstanceId;
    private final RequestSender network;
    private final CoordinatorLookup lookup;
    private final CommitIdentity identity;
    private final Time time;
    private final ExponentialBackoff retryBackoff;
    private final WakeupTrigger wakeup;
    private final PollThreadQueue pollThread;
    private final Consumer<Map<TopicPartition, OffsetAndMetadata>> onCommitted;
    private final boolean autoCommit;
    private final long autoCommitIntervalMs;
    private long nextAutoCommitMs;

    public OffsetCommitter(String groupId, String groupInstanceId, RequestSender network, CoordinatorLookup lookup,
                           CommitIdentity identity, Time time, ExponentialBackoff retryBackoff, WakeupTrigger wakeup,
                           PollThreadQueue pollThread, Consumer<Map<TopicPartition, OffsetAndMetadata>> onCommitted,
                           boolean autoCommit, long autoCommitIntervalMs) {
        this.groupId = groupId;
        this.groupInstanceId = groupInstanceId;
        this.network = network;
        this.lookup = lookup;
        this.identity = identity;
        this.time = time;
        this.retryBackoff = retryBackoff;
        this.wakeup = wakeup;
        this.pollThread = pollThread;
        this.onCommitted = onCommitted;
        this.autoCommit = autoCommit;
        this.autoCommitIntervalMs = autoCommitIntervalMs;
        this.nextAutoCommitMs = time.milliseconds() + autoCommitIntervalMs;
    }

    /**
     * A group member's committer, with {@code group.instance.id}, {@code enable.auto.commit} (default true) and
     * {@code auto.commit.interval.ms} (default 5000) read from the consumer's config.
     */
    static OffsetCommitter forGroupMember(ClientConfig config, String groupId, RequestSender network, CoordinatorLookup lookup,
                                          CommitIdentity identity, Time time, ExponentialBackoff retryBackoff, WakeupTrigger wakeup,
                                          PollThreadQueue pollThread, Consumer<Map<TopicPartition, OffsetAndMetadata>> onCommitted) {
        return new OffsetCommitter(groupId, config.getString("group.instance.id", null), network, lookup, identity, time,
                retryBackoff, wakeup, pollThread, onCommitted, config.getBoolean("enable.auto.commit", true),
                config.getLong("auto.commit.interval.ms", 5000));
    }

    public boolean autoCommitEnabled() {
        return autoCommit;
    }

    /**
     * Sends an async commit of {@code consumed} if auto-commit is on and due. A group member commits only while
     * STABLE ({@code requireStable}); a consumer of assigned partitions first finds the coordinator.
     */
    public void maybeAutoCommit(Supplier<Map<TopicPartition, OffsetAndMetadata>> consumed, boolean requireStable) {
        if (!autoCommit) return;
        long now = time.milliseconds();
        if (now < nextAutoCommitMs) return;
        if (requireStable && !identity.stable()) return;
        if (!requireStable && !lookup.ensureKnown(now)) return;
        if (lookup.coordinator() == null) return;
        nextAutoCommitMs = now + autoCommitIntervalMs;
        Map<TopicPartition, OffsetAndMetadata> offsets = consumed.get();
        if (!offsets.isEmpty()) sendCommit(offsets).whenComplete((r, e) -> {
            if (e != null) log.debug("group {}: auto-commit failed: {}", groupId, e.toString());
        });
    }

    /** Commits, retrying retriable errors until the deadline. */
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, long deadline) {
        if (offsets.isEmpty()) return;
        if (identity.rebalancing()) {
            throw new RebalanceInProgressException("Offset commit cannot be completed since the consumer is rejoining group "
                    + groupId + ": call poll() to complete the rebalance, then commit again");
        }
        RuntimeException last = null;
        int failures = 0;
        while (true) {
            if (time.milliseconds() >= deadline) {
                throw new TimeoutException("Timeout committing offsets " + offsets + (last == null ? "" : ": " + last.getMessage()));
            }
            if (!lookup.ensureKnown(deadline)) continue;
            try {
                if (!wakeup.await(sendCommitQuietly(offsets), deadline - time.milliseconds())) {
                    last = new TimeoutException("no answer from the coordinator");
                    continue;
                }
                onCommitted.accept(offsets);
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RetriableException || e.getCause() instanceof ApiException a && a.retriable()) {
                    last = (RuntimeException) e.getCause();
                    time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(0, deadline - time.milliseconds())));
                    continue;
                }
                throw e.getCause() instanceof RuntimeException re ? re : new FjordClientException("commit failed", e.getCause());
            }
        }
    }

    /** An async commit; a success is reported to onCommitted on the polling thread. */
    public CompletableFuture<Void> sendCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        CompletableFuture<Void> f = sendCommitQuietly(offsets);
        f.whenComplete((v, e) -> {
            if (e == null) pollThread.add(() -> onCommitted.accept(offsets));
        });
        return f;
    }

    /**
     * One OffsetCommit with the member's generation (the one it last had: kept while it rejoins, the coordinator
     * accepts commits of the current generation while it prepares a rebalance). Completes exceptionally with the
     * first partition error.
     */
    private CompletableFuture<Void> sendCommitQuietly(Map<TopicPartition, OffsetAndMetadata> offsets) {
        CommitIdentity.Snapshot as = identity.snapshot();
        int gen = as.generationOrEpoch();
        String id = as.memberId();
        Integer node = lookup.coordinator();
        CompletableFuture<Void> out = new CompletableFuture<>();
        if (node == null) {
            out.completeExceptionally(ClientErrors.exception((short) 15, "coordinator unknown"));
            return out;
        }
        Map<String, List<Map.Entry<TopicPartition, OffsetAndMetadata>>> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
            byTopic.computeIfAbsent(e.getKey().topic(), k -> new ArrayList<>()).add(e);
        }
        network.send(node, OffsetCommitApi.SPEC, OFFSET_COMMIT_MAX, v -> {
            Struct req = OffsetCommitApi.SPEC.newRequest().set("GroupId", groupId).set("GenerationIdOrMemberEpoch", gen)
                    .set("MemberId", id).set("GroupInstanceId", groupInstanceId);
            byTopic.forEach((t, es) -> {
                Struct ts = req.child("Topics").set("Name", t);
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : es) {
                    ts.add("Partitions", ts.child("Partitions").set("PartitionIndex", e.getKey().partition())
                            .set("CommittedOffset", e.getValue().offset()).set("CommittedMetadata", e.getValue().metadata()));
                }
                req.add("Topics", ts);
            });
            return req;
        }, true).whenComplete((resp, err) -> onCommitResponse(as, resp, err, out));
        return out;
    }

    private void onCommitResponse(CommitIdentity.Snapshot as, ClientResponse resp, Throwable err, CompletableFuture<Void> out) {
        if (err != null) {
            lookup.markUnknown("OffsetCommit failed: " + err);
            out.completeExceptionally(err);
            return;
        }
        for (Struct t : resp.body().getStructs("Topics")) {
            for (Struct p : t.getStructs("Partitions")) {
                short code = p.getShort("ErrorCode");
                if (code == 0) continue;
                if (CoordinatorLookup.isCoordinatorError(code)) lookup.markUnknown("OffsetCommit: " + ClientErrors.name(code));
                if (CommitIdentity.isRebalanceError(code)) {
                    identity.commitRefused(as, code);
                    out.completeExceptionally(new CommitFailedException("Commit cannot be completed since the group has "
                            + "rebalanced (" + ClientErrors.name(code) + "); the partitions may now belong to another member"));
                } else {
                    out.completeExceptionally(ClientErrors.exception(code, "committing " + t.getString("Name") + "-" + p.getInt("PartitionIndex")));
                }
                return;
            }
        }
        out.complete(null);
    }

    /** The group's committed offsets for the partitions (absent where none), retried until the deadline. */
    public Map<TopicPartition, OffsetAndMetadata> fetchCommitted(Set<TopicPartition> partitions, long deadline) {
        RuntimeException last = null;
        int failures = 0;
        while (true) {
            if (time.milliseconds() >= deadline) {
                throw new TimeoutException("Timeout fetching committed offsets for " + partitions + (last == null ? "" : ": " + last.getMessage()));
            }
            if (!lookup.ensureKnown(deadline)) continue;
            Integer node = lookup.coordinator();
            if (node == null) continue;
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
            ClientResponse r;
            try {
                CompletableFuture<ClientResponse> f = network.send(node, OffsetFetchApi.SPEC, OFFSET_FETCH_MAX, v -> {
                    Struct req = OffsetFetchApi.SPEC.newRequest().set("GroupId", groupId).set("RequireStable", false);
                    req.set("Topics", new ArrayList<>());
                    byTopic.forEach((t, ps) -> req.add("Topics", req.child("Topics").set("Name", t).set("PartitionIndexes", ps)));
                    return req;
                }, true);
                if (!wakeup.await(f, deadline - time.milliseconds())) continue;
                r = f.join();
            } catch (ExecutionException e) {
                last = e.getCause() instanceof RuntimeException re ? re : new FjordClientException("OffsetFetch failed", e.getCause());
                lookup.markUnknown("OffsetFetch failed");
                time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(0, deadline - time.milliseconds())));
                continue;
            }
            short top = r.body().getShort("ErrorCode");
            if (top != 0) {
                last = ClientErrors.exception(top, "fetching committed offsets");
                if (CoordinatorLookup.isCoordinatorError(top)) lookup.markUnknown("OffsetFetch: " + ClientErrors.name(top));
                if (!ClientErrors.isRetriable(top)) throw last;
                time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(0, deadline - time.milliseconds())));
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            boolean retry = false;
            for (Struct t : r.body().getStructs("Topics")) {
                for (Struct p : t.getStructs("Partitions")) {
                    short code = p.getShort("ErrorCode");
                    TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                    if (code == ClientErrors.UNKNOWN_TOPIC_OR_PARTITION) continue;
                    if (code != 0) {
                        if (!ClientErrors.isRetriable(code)) throw ClientErrors.exception(code, "committed offset of " + tp);
                        retry = true;
                        last = ClientErrors.exception(code, "committed offset of " + tp);
                        continue;
                    }
                    long off = p.getLong("CommittedOffset");
                    if (off >= 0) out.put(tp, new OffsetAndMetadata(off, p.getString("Metadata")));
                }
            }
            if (!retry) return out;
            time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(0, deadline - time.milliseconds())));
        }
    }
}
