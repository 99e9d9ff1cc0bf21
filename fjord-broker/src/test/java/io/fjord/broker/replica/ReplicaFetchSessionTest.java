package io.fjord.broker.replica;

import io.fjord.protocol.api.Errors;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicaFetchSessionTest {
    private static final UUID A = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID A2 = UUID.fromString("00000000-0000-0000-0000-0000000000a2");
    private static final TopicPartition A0 = new TopicPartition("a", 0);
    private static final TopicPartition A1 = new TopicPartition("a", 1);
    private static final TopicPartition A2P = new TopicPartition("a", 2);

    private static ReplicaFetchSession.PartitionFetch at(UUID id, long offset) {
        return new ReplicaFetchSession.PartitionFetch(id, 3, offset, 3, 0L);
    }

    private static Map<TopicPartition, ReplicaFetchSession.PartitionFetch> wanted(Object... tpAndFetch) {
        Map<TopicPartition, ReplicaFetchSession.PartitionFetch> m = new LinkedHashMap<>();
        for (int i = 0; i < tpAndFetch.length; i += 2) {
            m.put((TopicPartition) tpAndFetch[i], (ReplicaFetchSession.PartitionFetch) tpAndFetch[i + 1]);
        }
        return m;
    }

    @Test
    void firstFetchIsFullAndAsksForASessionThenOnlyChangesAreSent() {
        ReplicaFetchSession s = new ReplicaFetchSession();
        ReplicaFetchSession.Request first = s.build(wanted(A0, at(A, 10), A1, at(A, 20), A2P, at(A, 30)));
        assertThat(first.full()).isTrue();
        assertThat(first.sessionId()).isZero();
        assertThat(first.epoch()).isZero(); // epoch 0: "create a session"
        assertThat(first.toSend()).hasSize(3);
        assertThat(s.onResponse(first, Errors.NONE.code(), 77)).isTrue();
        assertThat(s.state()).isEqualTo(ReplicaFetchSession.State.OPEN);

        // A0 advanced, A1 and A2 idle: only A0 is named
        ReplicaFetchSession.Request second = s.build(wanted(A0, at(A, 15), A1, at(A, 20), A2P, at(A, 30)));
        assertThat(second.full()).isFalse();
        assertThat(second.sessionId()).isEqualTo(77);
        assertThat(second.epoch()).isEqualTo(1);
        assertThat(second.toSend()).containsOnlyKeys(A0);
        assertThat(second.toForget()).isEmpty();
        assertThat(s.onResponse(second, Errors.NONE.code(), 77)).isTrue();

        // nothing changed: an empty incremental request with the next epoch
        ReplicaFetchSession.Request third = s.build(wanted(A0, at(A, 15), A1, at(A, 20), A2P, at(A, 30)));
        assertThat(third.toSend()).isEmpty();
        assertThat(third.epoch()).isEqualTo(2);
        s.onResponse(third, Errors.NONE.code(), 77);

        // A2 no longer fetched (removed or backing off): forgotten with its topic id; a leader epoch change is a change
        ReplicaFetchSession.Request fourth = s.build(wanted(A0, new ReplicaFetchSession.PartitionFetch(A, 4, 15, 3, 0), A1, at(A, 20)));
        assertThat(fourth.toSend()).containsOnlyKeys(A0);
        assertThat(fourth.toForget()).containsExactly(Map.entry(A2P, A));
        assertThat(fourth.epoch()).isEqualTo(3);
    }

    @Test
    void aTopicRecreatedUnderItsNameIsSentAnewAndTheOldIdForgotten() {
        ReplicaFetchSession s = new ReplicaFetchSession();
        ReplicaFetchSession.Request first = s.build(wanted(A0, at(A, 10)));
        s.onResponse(first, Errors.NONE.code(), 5);
        ReplicaFetchSession.Request next = s.build(wanted(A0, at(A2, 0)));
        assertThat(next.toSend()).containsOnlyKeys(A0);
        assertThat(next.toSend().get(A0).topicId()).isEqualTo(A2);
        assertThat(next.toForget()).containsExactly(Map.entry(A0, A));
    }

    @Test
    void errorsNoSessionIdAndFailuresCloseTheSessionSoTheNextFetchIsFull() {
        ReplicaFetchSession s = new ReplicaFetchSession();
        s.onResponse(s.build(wanted(A0, at(A, 1))), Errors.NONE.code(), 9);
        ReplicaFetchSession.Request inc = s.build(wanted(A0, at(A, 2)));
        assertThat(s.onResponse(inc, Errors.INVALID_FETCH_SESSION_EPOCH.code(), 0)).isFalse();
        assertThat(s.state()).isEqualTo(ReplicaFetchSession.State.NONE);
        assertThat(s.build(wanted(A0, at(A, 2))).full()).isTrue();

        s.onResponse(s.build(wanted(A0, at(A, 2))), Errors.NONE.code(), 9);
        s.close(); // request timed out
        ReplicaFetchSession.Request after = s.build(wanted(A0, at(A, 2)));
        assertThat(after.full()).isTrue();
        assertThat(after.toSend()).containsOnlyKeys(A0);

        // a leader without session slots answers id 0: full fetches go on
        assertThat(s.onResponse(after, Errors.NONE.code(), 0)).isFalse();
        assertThat(s.build(wanted(A0, at(A, 2))).full()).isTrue();

        // a new session id (the leader evicted ours and we asked again) restarts the epochs at 1
        s.onResponse(s.build(wanted(A0, at(A, 2))), Errors.NONE.code(), 11);
        assertThat(s.sessionId()).isEqualTo(11);
        assertThat(s.build(wanted(A0, at(A, 3))).epoch()).isEqualTo(1);
    }
}
