package io.fjord.client.producer;

import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Node;
import io.fjord.client.common.Time;
import io.fjord.client.common.TopicPartition;
import io.fjord.client.consumer.OffsetAndMetadata;
import io.fjord.client.errors.ApiException;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.errors.ProducerFencedException;
import io.fjord.client.errors.TimeoutException;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.NetworkClient;
import io.fjord.protocol.api.AddOffsetsToTxnApi;
import io.fjord.protocol.api.AddPartitionsToTxnApi;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.EndTxnApi;
import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.api.InitProducerIdApi;
import io.fjord.protocol.api.TxnOffsetCommitApi;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transactional producer's side of Kafka's transactions ({@code transactional.id}): InitProducerId at the
 * transaction coordinator (a stable producer id, the epoch bumped, earlier producers of the id fenced), then per
 * transaction AddPartitionsToTxn before a partition's first record (v3, the client form), AddOffsetsToTxn plus
 * TxnOffsetCommit at the group coordinator for consumed offsets, and EndTxn to commit or abort.
 * <pre>
 *   from                               to               by
 *   UNINITIALIZED                      INITIALIZING     initTransactions
 *   INITIALIZING                       READY            InitProducerId answered
 *   READY                              IN_TRANSACTION   beginTransaction
 *   IN_TRANSACTION                     COMMITTING       commitTransaction (flush, then EndTxn commit)
 *   IN_TRANSACTION, ABORTABLE_ERROR    ABORTING         abortTransaction (flush, then EndTxn abort)
 *   COMMITTING, ABORTING               READY            EndTxn answered
 *   IN_TRANSACTION, COMMITTING         ABORTABLE_ERROR  a send, AddPartitions, offsets or EndTxn failed: abort next
 *   any                                FATAL_ERROR      fenced (PRODUCER_FENCED / INVALID_PRODUCER_EPOCH) or similar
 * </pre>
 * Other moves throw IllegalStateException (Kafka's "Invalid transition"). The blocking calls run on the
 * application thread, each bounded by {@code max.block.ms}; the producer id reaches the sender through
 * {@link #producerId()}/{@link #epoch()} (volatile). Thread-safe (its own monitor).
 */
final class TransactionManager {
    private static final Logger log = LoggerFactory.getLogger(TransactionManager.class);
    private static final short COORDINATOR_LOAD_IN_PROGRESS = 14;
    private static final short COORDINATOR_NOT_AVAILABLE = 15;
    private static final short NOT_COORDINATOR = 16;
    private static final short CONCURRENT_TRANSACTIONS = 51;
    private static final short INVALID_PRODUCER_EPOCH = 47;
    private static final short PRODUCER_FENCED = 90;
    private static final short TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53;
    private static final short INVALID_TXN_STATE = 48;

    enum State { UNINITIALIZED, INITIALIZING, READY, IN_TRANSACTION, COMMITTING, ABORTING, ABORTABLE_ERROR, FATAL_ERROR }

    private static final Map<State, Set<State>> NEXT = Map.of(
            State.UNINITIALIZED, EnumSet.of(State.INITIALIZING, State.FATAL_ERROR),
            State.INITIALIZING, EnumSet.of(State.READY, State.UNINITIALIZED, State.FATAL_ERROR),
            State.READY, EnumSet.of(State.IN_TRANSACTION, State.FATAL_ERROR),
            State.IN_TRANSACTION, EnumSet.of(State.COMMITTING, State.ABORTING, State.ABORTABLE_ERROR, State.FATAL_ERROR),
            State.COMMITTING, EnumSet.of(State.READY, State.ABORTABLE_ERROR, State.FATAL_ERROR),
            State.ABORTING, EnumSet.of(State.READY, State.FATAL_ERROR),
            State.ABORTABLE_ERROR, EnumSet.of(State.ABORTING, State.ABORTABLE_ERROR, State.FATAL_ERROR),
            State.FATAL_ERROR, EnumSet.noneOf(State.class));

    private final String transactionalId;
    private final int transactionTimeoutMs;
    private final NetworkClient network;
    private final Time time;
    private final ExponentialBackoff retryBackoff;
    private State state = State.UNINITIALIZED;
    private volatile long producerId = -1;
    private volatile short epoch = -1;
    private Integer coordinator;
    private final Set<TopicPartition> partitions = new HashSet<>();
    private final List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
    private RuntimeException lastError;

    TransactionManager(String transactionalId, int transactionTimeoutMs, NetworkClient network, Time time,
                       ExponentialBackoff retryBackoff) {
        this.transactionalId = transactionalId;
        this.transactionTimeoutMs = transactionTimeoutMs;
        this.network = network;
        this.time = time;
        this.retryBackoff = retryBackoff;
    }

    String transactionalId() {
        return transactionalId;
    }

    long producerId() {
        return producerId;
    }

    short epoch() {
        return epoch;
    }

    synchronized State state() {
        return state;
    }

    private void transition(State to) {
        if (!NEXT.get(state).contains(to)) {
            throw new IllegalStateException("TransactionalId " + transactionalId + ": Invalid transition attempted from state "
                    + state + " to state " + to);
        }
        state = to;
    }

    private void requireState(State s, String operation) {
        if (state == State.FATAL_ERROR && lastError != null) throw lastError;
        if (state != s) throw new IllegalStateException("TransactionalId " + transactionalId + ": cannot " + operation + " in state " + state);
    }

    // ---- the application's calls ----

    synchronized void initTransactions(long deadline) {
        if (state == State.FATAL_ERROR && lastError != null) throw lastError;
        transition(State.INITIALIZING);
        try {
            Struct r = callCoordinator(InitProducerIdApi.SPEC, v -> InitProducerIdApi.SPEC.newRequest()
                    .set("TransactionalId", transactionalId).set("TransactionTimeoutMs", transactionTimeoutMs), deadline,
                    b -> b.getShort("ErrorCode"));
            producerId = r.getLong("ProducerId");
            epoch = r.getShort("ProducerEpoch");
            log.info("transactional id {}: producer id {} epoch {}", transactionalId, producerId, epoch);
            transition(State.READY);
        } catch (TimeoutException e) {
            state = State.UNINITIALIZED; // may be called again (as Kafka allows after a timeout)
            throw e;
        }
    }

    synchronized void beginTransaction() {
        requireState(State.READY, "begin a transaction");
        transition(State.IN_TRANSACTION);
        partitions.clear();
        sends.clear();
    }

    /** Before a record goes to {@code tp}: the partition joins the transaction (once per transaction). */
    synchronized void maybeAddPartition(TopicPartition tp, long deadline) {
        if (state == State.ABORTABLE_ERROR) throw new FjordClientException("Cannot send: the transaction must be aborted", lastError);
        requireState(State.IN_TRANSACTION, "send");
        if (partitions.contains(tp)) return;
        try {
            callCoordinator(AddPartitionsToTxnApi.SPEC, v -> {
                Struct req = AddPartitionsToTxnApi.SPEC.newRequest().set("V3AndBelowTransactionalId", transactionalId)
                        .set("V3AndBelowProducerId", producerId).set("V3AndBelowProducerEpoch", epoch);
                Struct t = req.child("V3AndBelowTopics").set("Name", tp.topic()).set("Partitions", List.of(tp.partition()));
                return req.add("V3AndBelowTopics", t);
            }, deadline, b -> {
                for (Struct t : b.getStructs("ResultsByTopicV3AndBelow")) {
                    for (Struct p : t.getStructs("ResultsByPartition")) {
                        if (p.getShort("PartitionErrorCode") != 0) return p.getShort("PartitionErrorCode");
                    }
                }
                return (short) 0;
            }, (short) 3);
        } catch (RuntimeException e) {
            abortable(e);
            throw e;
        }
        partitions.add(tp);
    }

    synchronized void recordSend(CompletableFuture<RecordMetadata> f) {
        sends.add(f);
    }

    /** Consumed offsets commit (or abort) with the transaction. */
    synchronized void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, String groupId, long deadline) {
        requireState(State.IN_TRANSACTION, "send offsets to a transaction");
        try {
            callCoordinator(AddOffsetsToTxnApi.SPEC, v -> AddOffsetsToTxnApi.SPEC.newRequest().set("TransactionalId", transactionalId)
                    .set("ProducerId", producerId).set("ProducerEpoch", epoch).set("GroupId", groupId), deadline,
                    b -> b.getShort("ErrorCode"));
            Map<String, List<Map.Entry<TopicPartition, OffsetAndMetadata>>> byTopic = new LinkedHashMap<>();
            offsets.entrySet().forEach(e -> byTopic.computeIfAbsent(e.getKey().topic(), k -> new ArrayList<>()).add(e));
            int failures = 0;
            while (true) {
                // The group coordinator may be loading or moving (the offsets topic is created on first use): look
                // it up again and retry, within max.block.ms.
                Integer groupCoordinator = find((byte) 0, groupId, deadline);
                Struct r = await(network.send(groupCoordinator, TxnOffsetCommitApi.SPEC, (short) 3, v -> {
                    Struct req = TxnOffsetCommitApi.SPEC.newRequest().set("TransactionalId", transactionalId).set("GroupId", groupId)
                            .set("ProducerId", producerId).set("ProducerEpoch", epoch).set("MemberId", "");
                    byTopic.forEach((topic, es) -> {
                        Struct t = req.child("Topics").set("Name", topic);
                        for (var e : es) {
                            t.add("Partitions", t.child("Partitions").set("PartitionIndex", e.getKey().partition())
                                    .set("CommittedOffset", e.getValue().offset()).set("CommittedMetadata", e.getValue().metadata()));
                        }
                        req.add("Topics", t);
                    });
                    return req;
                }, true), deadline).body();
                short retry = 0;
                for (Struct t : r.getStructs("Topics")) {
                    for (Struct p : t.getStructs("Partitions")) {
                        short code = p.getShort("ErrorCode");
                        if (code == 0) continue;
                        boolean again = code == NOT_COORDINATOR || code == COORDINATOR_NOT_AVAILABLE
                                || code == COORDINATOR_LOAD_IN_PROGRESS || code == CONCURRENT_TRANSACTIONS || ClientErrors.isRetriable(code);
                        if (!again) throw error(code, "TxnOffsetCommit of " + t.getString("Name") + "-" + p.getInt("PartitionIndex"));
                        retry = code;
                    }
                }
                if (retry == 0) break;
                if (time.milliseconds() >= deadline) throw error(retry, "TxnOffsetCommit for group " + groupId);
                time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(1, deadline - time.milliseconds())));
            }
        } catch (RuntimeException e) {
            abortable(e);
            throw e;
        }
    }

    /** IN_TRANSACTION → COMMITTING once every send completed well (the producer flushed), then EndTxn. */
    synchronized void commit(long deadline) {
        requireState(State.IN_TRANSACTION, "commit");
        for (CompletableFuture<RecordMetadata> f : sends) {
            if (f.isCompletedExceptionally()) {
                Throwable cause = f.handle((v, t) -> t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                        ? t.getCause() : t).join();
                RuntimeException e = cause instanceof ApiException a && (a.code() == PRODUCER_FENCED || a.code() == INVALID_PRODUCER_EPOCH)
                        ? new ProducerFencedException(a.code(), "a send of the transaction was refused: " + a.getMessage())
                        : new FjordClientException("Cannot commit: a send of the transaction failed; abort it", cause);
                abortable(e);
                throw e;
            }
        }
        transition(State.COMMITTING);
        endTxn(true, deadline);
    }

    synchronized void abort(long deadline) {
        if (state == State.FATAL_ERROR && lastError != null) throw lastError;
        if (state != State.IN_TRANSACTION && state != State.ABORTABLE_ERROR) {
            throw new IllegalStateException("TransactionalId " + transactionalId + ": cannot abort in state " + state);
        }
        transition(State.ABORTING);
        endTxn(false, deadline);
    }

    private void endTxn(boolean commit, long deadline) {
        try {
            callCoordinator(EndTxnApi.SPEC, v -> EndTxnApi.SPEC.newRequest().set("TransactionalId", transactionalId)
                    .set("ProducerId", producerId).set("ProducerEpoch", epoch).set("Committed", commit), deadline,
                    b -> b.getShort("ErrorCode"), (short) 4);
        } catch (RuntimeException e) {
            if (state != State.FATAL_ERROR) {
                if (commit) abortable(e);
                // An abort that timed out may be retried: stay ABORTING? Kafka lets the call be repeated; so do we.
                else state = State.ABORTABLE_ERROR;
            }
            throw e;
        }
        partitions.clear();
        sends.clear();
        transition(State.READY);
    }

    private void abortable(RuntimeException e) {
        if (state == State.FATAL_ERROR) return;
        lastError = e;
        if (e instanceof ProducerFencedException) {
            state = State.FATAL_ERROR;
            return;
        }
        if (state == State.IN_TRANSACTION || state == State.COMMITTING || state == State.ABORTABLE_ERROR) {
            transition(State.ABORTABLE_ERROR);
        }
    }

    /** The sender hit an error the transaction cannot survive (fenced by a newer producer). */
    synchronized void fatal(RuntimeException e) {
        lastError = e;
        state = State.FATAL_ERROR;
    }

    // ---- requests ----

    private Struct callCoordinator(ApiSpec spec, Function<Short, Struct> body, long deadline, Function<Struct, Short> errorOf) {
        return callCoordinator(spec, body, deadline, errorOf, spec.highest());
    }

    /** One request to the transaction coordinator, retried through coordinator moves and busy answers. */
    private Struct callCoordinator(ApiSpec spec, Function<Short, Struct> body, long deadline, Function<Struct, Short> errorOf,
                                   short maxVersion) {
        int failures = 0;
        while (true) {
            if (time.milliseconds() >= deadline) throw new TimeoutException("Timeout expired while awaiting " + spec.name());
            if (coordinator == null) coordinator = find((byte) 1, transactionalId, deadline);
            short code;
            Struct b;
            try {
                b = await(network.send(coordinator, spec, maxVersion, v -> body.apply(v), true), deadline).body();
                code = errorOf.apply(b);
            } catch (TimeoutException e) {
                throw e;
            } catch (RuntimeException e) {
                coordinator = null;
                code = -2;
                b = null;
            }
            if (code == 0) return b;
            if (code == NOT_COORDINATOR || code == COORDINATOR_NOT_AVAILABLE) coordinator = null;
            if (code != -2 && code != NOT_COORDINATOR && code != COORDINATOR_NOT_AVAILABLE
                    && code != COORDINATOR_LOAD_IN_PROGRESS && code != CONCURRENT_TRANSACTIONS && !ClientErrors.isRetriable(code)) {
                RuntimeException e = error(code, spec.name() + " for transactional id " + transactionalId);
                if (e instanceof ProducerFencedException || code == TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
                    lastError = e;
                    state = State.FATAL_ERROR;
                }
                throw e;
            }
            time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(1, deadline - time.milliseconds())));
        }
    }

    private static RuntimeException error(short code, String what) {
        if (code == PRODUCER_FENCED || code == INVALID_PRODUCER_EPOCH) {
            return new ProducerFencedException(code, "There is a newer producer with the same transactionalId which fences the current one ("
                    + what + ")");
        }
        if (code == INVALID_TXN_STATE) return ClientErrors.exception(code, what);
        return ClientErrors.exception(code, what);
    }

    /** FindCoordinator (key type 0 group, 1 transaction) through any node; the answer's node gets its own connection. */
    private Integer find(byte keyType, String key, long deadline) {
        int failures = 0;
        while (true) {
            if (time.milliseconds() >= deadline) throw new TimeoutException("Timeout finding the coordinator for " + key);
            Integer node = network.leastLoadedNode();
            if (node != null) {
                try {
                    ClientResponse r = await(network.send(node, FindCoordinatorApi.SPEC, FindCoordinatorApi.SPEC.highest(), v -> {
                        Struct req = FindCoordinatorApi.SPEC.newRequest().set("KeyType", keyType);
                        return v >= 4 ? req.set("CoordinatorKeys", List.of(key)) : req.set("Key", key);
                    }, true), deadline);
                    Struct c = r.version() >= 4 ? r.body().getStructs("Coordinators").get(0) : r.body();
                    short code = c.getShort("ErrorCode");
                    if (code == 0) {
                        int connId = Integer.MAX_VALUE - (keyType == 1 ? 1_000_000 : 0) - c.getInt("NodeId");
                        network.updateNodes(List.of(new Node(connId, c.getString("Host"), c.getInt("Port"))));
                        return connId;
                    }
                    if (!ClientErrors.isRetriable(code)) throw error(code, "FindCoordinator for " + key);
                } catch (ApiException e) {
                    if (!e.retriable()) throw e;
                } catch (TimeoutException e) {
                    throw e;
                } catch (RuntimeException e) {
                    log.debug("FindCoordinator for {}: {}", key, e.toString());
                }
            }
            time.sleep(Math.min(retryBackoff.backoffMs(++failures), Math.max(1, deadline - time.milliseconds())));
        }
    }

    private ClientResponse await(CompletableFuture<ClientResponse> f, long deadline) {
        try {
            return f.get(Math.max(1, deadline - time.milliseconds()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("Timeout expired waiting for the coordinator's answer");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new FjordClientException("request failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FjordClientException("interrupted", e);
        }
    }
}
