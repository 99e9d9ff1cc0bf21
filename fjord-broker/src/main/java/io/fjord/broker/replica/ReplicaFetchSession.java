package io.fjord.broker.replica;

import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A follower's half of an incremental fetch session (KIP-227) with its leader, for one {@link ReplicaFetcherThread}.
 * The first Fetch is full and asks for a session (SessionId 0, SessionEpoch 0). Once the leader answers with a
 * session id, a Fetch names only the partitions whose fetch state changed since it was last sent (fetch offset, last
 * fetched epoch, log start, current leader epoch, topic id) and lists the ones no longer fetched as forgotten; the
 * leader reads every partition of the session and answers only those with news. A partition idle on the leader is
 * therefore neither sent nor answered: with many partitions per leader, most of a round's request and response go.
 *
 * <p>States: {@link State#NONE} (no session: full fetches) and {@link State#OPEN} (incremental fetches with the next
 * epoch). An answer with a session id opens (or re-opens) the session; a top-level error, an answer without a
 * session id, a failed request or a Fetch version below 7 closes it, and the next Fetch is full again.
 * Not thread-safe: owned by the fetcher thread, which has at most one request in flight.
 */
final class ReplicaFetchSession {
    static final int NO_SESSION = 0;
    static final int INITIAL_EPOCH = 0;

    enum State { NONE, OPEN }

    /** The fetch state of one partition, as sent to the leader. */
    record PartitionFetch(UUID topicId, int currentLeaderEpoch, long fetchOffset, int lastFetchedEpoch, long logStartOffset) {
    }

    /**
     * One request's content: session id and epoch, whether it is full, the partitions to name, those to forget (with
     * the topic id each had when last sent), and every partition wanted (the session's content once answered).
     */
    record Request(int sessionId, int epoch, boolean full, Map<TopicPartition, PartitionFetch> toSend,
                   Map<TopicPartition, UUID> toForget, Map<TopicPartition, PartitionFetch> wanted) {
    }

    private State state = State.NONE;
    private int sessionId = NO_SESSION;
    private int nextEpoch = INITIAL_EPOCH;
    /** What the leader's session holds, as last sent and answered. */
    private Map<TopicPartition, PartitionFetch> inSession = new LinkedHashMap<>();

    State state() {
        return state;
    }

    int sessionId() {
        return sessionId;
    }

    /** The next request for the partitions wanted now. */
    Request build(Map<TopicPartition, PartitionFetch> wanted) {
        Map<TopicPartition, PartitionFetch> copy = new LinkedHashMap<>(wanted);
        if (state == State.NONE) return new Request(NO_SESSION, INITIAL_EPOCH, true, copy, Map.of(), copy);
        Map<TopicPartition, PartitionFetch> toSend = new LinkedHashMap<>();
        Map<TopicPartition, UUID> toForget = new LinkedHashMap<>();
        copy.forEach((tp, f) -> {
            PartitionFetch last = inSession.get(tp);
            if (!f.equals(last)) toSend.put(tp, f);
            // a topic recreated under its name is another partition to the leader's session (keyed by topic id)
            if (last != null && !Objects.equals(last.topicId(), f.topicId())) toForget.put(tp, last.topicId());
        });
        inSession.forEach((tp, f) -> {
            if (!copy.containsKey(tp)) toForget.put(tp, f.topicId());
        });
        return new Request(sessionId, nextEpoch, false, toSend, toForget, copy);
    }

    /**
     * The leader answered {@code sent} with top-level {@code error} and {@code responseSessionId}; true if the session
     * goes on (then the partition answers apply to it as well).
     */
    boolean onResponse(Request sent, short error, int responseSessionId) {
        if (error != Errors.NONE.code() || responseSessionId == NO_SESSION) {
            close();
            return false;
        }
        if (sent.full() || state == State.NONE || responseSessionId != sessionId) {
            transition(State.OPEN);
            sessionId = responseSessionId;
            nextEpoch = 1;
        } else {
            nextEpoch = nextEpoch == Integer.MAX_VALUE ? 1 : nextEpoch + 1; // epoch 0 means "new session": skip it
        }
        inSession = new LinkedHashMap<>(sent.wanted());
        return true;
    }

    /** The request failed (connection lost, timeout) or could not use sessions: the leader's view is unknown. */
    void close() {
        if (state == State.OPEN) transition(State.NONE);
        sessionId = NO_SESSION;
        nextEpoch = INITIAL_EPOCH;
        inSession = new LinkedHashMap<>();
    }

    private void transition(State to) {
        boolean legal = switch (state) {
            case NONE -> to == State.OPEN;
            case OPEN -> true; // re-opened under a new id, or closed
        };
        if (!legal) throw new IllegalStateException("fetch session: " + state + " -> " + to);
        state = to;
    }
}
