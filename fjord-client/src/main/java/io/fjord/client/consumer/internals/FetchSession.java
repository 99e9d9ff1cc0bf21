package io.fjord.client.consumer.internals;

import io.fjord.client.common.TopicPartition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The client's half of an incremental fetch session (KIP-227) with one broker. The first Fetch is full and asks for
 * a session (SessionId 0, SessionEpoch 0). If the broker answers with a session id, later Fetches name only the
 * partitions that are new or whose fetch state changed (offset, topic id), list the ones dropped as forgotten, and
 * carry the next epoch; the broker answers only partitions with news. If it answers session id 0 (no session:
 * Fjord's broker today, or a broker out of session slots), every Fetch stays full. FETCH_SESSION_ID_NOT_FOUND,
 * INVALID_FETCH_SESSION_EPOCH or a failed request drop the session: the next Fetch is full again.
 * Not thread-safe: owned by the fetcher (polling thread); at most one request per session is in flight.
 */
final class FetchSession {
    static final int NO_SESSION = 0;
    static final int INITIAL_EPOCH = 0;
    static final short FETCH_SESSION_ID_NOT_FOUND = 70;
    static final short INVALID_FETCH_SESSION_EPOCH = 71;

    /** What the session remembers of a partition: the state last sent for it. */
    record PartitionState(long fetchOffset, UUID topicId) {
    }

    /**
     * One request's content: the session id and epoch, the partitions to send, those to forget (with the topic id
     * each had when last sent, to name it at v13+), and everything wanted (the session's view once answered).
     */
    record Request(int sessionId, int epoch, boolean full, Map<TopicPartition, PartitionState> toSend,
                   List<TopicPartition> toForget, Map<TopicPartition, PartitionState> wanted,
                   Map<TopicPartition, UUID> forgottenIds) {
    }

    private int sessionId = NO_SESSION;
    private int nextEpoch = INITIAL_EPOCH;
    /** The partitions the broker's session holds, as last sent. */
    private Map<TopicPartition, PartitionState> sessionPartitions = new LinkedHashMap<>();

    int sessionId() {
        return sessionId;
    }


    /** Builds the next request for the partitions wanted now (in order). */
    Request build(Map<TopicPartition, PartitionState> wanted) {
        Map<TopicPartition, PartitionState> copy = new LinkedHashMap<>(wanted);
        if (sessionId == NO_SESSION) return new Request(NO_SESSION, INITIAL_EPOCH, true, copy, List.of(), copy, Map.of());
        Map<TopicPartition, PartitionState> toSend = new LinkedHashMap<>();
        copy.forEach((tp, s) -> {
            if (!Objects.equals(sessionPartitions.get(tp), s)) toSend.put(tp, s);
        });
        List<TopicPartition> toForget = new ArrayList<>();
        Map<TopicPartition, UUID> forgottenIds = new LinkedHashMap<>();
        sessionPartitions.forEach((tp, s) -> {
            if (!copy.containsKey(tp)) {
                toForget.add(tp);
                if (s.topicId() != null) forgottenIds.put(tp, s.topicId());
            }
        });
        return new Request(sessionId, nextEpoch, false, toSend, toForget, copy, forgottenIds);
    }

    /** The answer to {@code sent}: its top-level error and session id. Returns true if the session goes on. */
    boolean handleResponse(Request sent, short error, int responseSessionId) {
        if (error == FETCH_SESSION_ID_NOT_FOUND || error == INVALID_FETCH_SESSION_EPOCH || error != 0) {
            reset();
            return false;
        }
        if (responseSessionId == NO_SESSION) {
            reset(); // the broker keeps no session: full fetches from now on (it may offer one later)
            return false;
        }
        if (sent.full() || responseSessionId != sessionId) {
            sessionId = responseSessionId;
            nextEpoch = 1;
        } else {
            nextEpoch = nextEpoch == Integer.MAX_VALUE ? 1 : nextEpoch + 1; // the epoch wraps past 0 (0 means "new")
        }
        sessionPartitions = new LinkedHashMap<>(sent.wanted());
        return true;
    }

    /** The request failed (lost connection, timeout): the broker's view is unknown, so start over. */
    void handleFailure() {
        reset();
    }

    private void reset() {
        sessionId = NO_SESSION;
        nextEpoch = INITIAL_EPOCH;
        sessionPartitions = new LinkedHashMap<>();
    }
}
