package io.fjord.broker.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.handlers.FetchSessionCache.Context;
import io.fjord.broker.handlers.FetchSessionCache.FetchPartition;
import io.fjord.broker.handlers.FetchSessionCache.Forgotten;
import io.fjord.protocol.api.Errors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The session rules of KIP-227 and the slot eviction, with a manual clock. */
class FetchSessionCacheTest {
    private static final UUID A = new UUID(1, 1);
    private static final UUID B = new UUID(2, 2);

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.ofEpochMilli(1_000_000);

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();

    private static FetchPartition p(UUID id, int partition, long offset) {
        return new FetchPartition(null, id, partition, offset, -1, -1, 1 << 20);
    }

    private static List<Integer> partitions(Context c) {
        return c.toFetch().stream().map(FetchPartition::partition).toList();
    }

    @Test
    void fullFetchWithFinalEpochKeepsNoSessionAndClosesTheOneNamed() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, clock, new Random(1));
        Context none = cache.open(0, -1, true, false, List.of(p(A, 0, 0)), List.of());
        assertThat(none.error()).isEqualTo(Errors.NONE);
        assertThat(none.sessionId()).isZero();
        assertThat(none.session()).isNull();
        assertThat(cache.size()).isZero();

        Context created = cache.open(0, 0, true, false, List.of(p(A, 0, 0)), List.of());
        assertThat(created.sessionId()).isPositive();
        assertThat(created.incremental()).isFalse();
        assertThat(cache.size()).isOne();
        Context closed = cache.open(created.sessionId(), -1, true, false, List.of(p(A, 0, 0)), List.of());
        assertThat(closed.sessionId()).isZero();
        assertThat(cache.size()).isZero();
        assertThat(cache.open(created.sessionId(), 1, true, false, List.of(), List.of()).error())
                .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
    }

    @Test
    void incrementalFetchesAddUpdateAndForgetPartitionsAndCheckTheEpoch() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, clock, new Random(2));
        int id = cache.open(0, 0, true, false, List.of(p(A, 0, 0), p(A, 1, 0)), List.of()).sessionId();
        Context inc = cache.open(id, 1, true, false, List.of(p(A, 1, 5), p(B, 0, 0)), List.of(new Forgotten(null, A, 0)));
        assertThat(inc.error()).isEqualTo(Errors.NONE);
        assertThat(inc.incremental()).isTrue();
        assertThat(inc.toFetch()).containsExactly(p(A, 1, 5), p(B, 0, 0));
        assertThat(cache.incrementalFetches()).isOne();
        // The same epoch again (a retry) and one from the future are refused and move nothing.
        assertThat(cache.open(id, 1, true, false, List.of(), List.of()).error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(cache.open(id, 7, true, false, List.of(), List.of()).error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(cache.open(id, -2, true, false, List.of(), List.of()).error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(partitions(cache.open(id, 2, true, false, List.of(), List.of()))).containsExactly(1, 0);
        // A session by id used by name is refused.
        assertThat(cache.open(id, 3, false, false, List.of(), List.of()).error()).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
        assertThat(cache.open(12345, 1, true, false, List.of(), List.of()).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        // Epoch 0 with the id replaces the session by a new one.
        int next = cache.open(id, 0, true, false, List.of(p(A, 0, 0)), List.of()).sessionId();
        assertThat(next).isPositive().isNotEqualTo(id);
        assertThat(cache.sessionIds()).containsExactly(next);
    }

    @Test
    void anAnswerCarriesOnlyWhatChangedSinceTheLastOne() {
        FetchSessionCache cache = new FetchSessionCache(10, 120_000, clock, new Random(3));
        Context full = cache.open(0, 0, true, false, List.of(p(A, 0, 0)), List.of());
        FetchSessionCache.Session s = full.session();
        assertThat(s.mustSend(p(A, 0, 0), false, false, 10, 10, 0)).isTrue();
        assertThat(s.mustSend(p(A, 0, 0), true, false, 10, 10, 0)).isFalse();
        assertThat(s.mustSend(p(A, 0, 0), true, false, 11, 11, 0)).as("high watermark moved").isTrue();
        assertThat(s.mustSend(p(A, 0, 0), true, false, 11, 11, 3)).as("log start moved").isTrue();
        assertThat(s.mustSend(p(A, 0, 0), true, true, 11, 11, 3)).as("records or an error").isTrue();
        assertThat(s.mustSend(p(A, 0, 0), true, false, 11, 11, 3)).isFalse();
    }

    @Test
    void aFullCacheEvictsAStaleSessionThenALowerRankedOneElseServesWithoutASession() {
        FetchSessionCache cache = new FetchSessionCache(2, 120_000, clock, new Random(4));
        int small = cache.open(0, 0, true, false, List.of(p(A, 0, 0)), List.of()).sessionId();
        clock.advance(Duration.ofSeconds(1));
        int big = cache.open(0, 0, true, false, List.of(p(A, 0, 0), p(A, 1, 0), p(A, 2, 0)), List.of()).sessionId();
        // Neither is stale, and a consumer session of one partition ranks below neither: no session.
        assertThat(cache.open(0, 0, true, false, List.of(p(B, 0, 0)), List.of()).sessionId()).isZero();
        assertThat(cache.sessionIds()).containsExactlyInAnyOrder(small, big);
        // Two partitions rank above the one-partition session, which goes.
        int two = cache.open(0, 0, true, false, List.of(p(B, 0, 0), p(B, 1, 0)), List.of()).sessionId();
        assertThat(two).isPositive();
        assertThat(cache.sessionIds()).containsExactlyInAnyOrder(big, two);
        assertThat(cache.open(small, 1, true, false, List.of(), List.of()).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        // A follower's session ranks above any consumer's: the least recently used consumer session goes.
        cache.open(two, 1, true, false, List.of(), List.of()); // touch: big is now the least recently used
        int follower = cache.open(0, 0, true, true, List.of(p(A, 0, 0)), List.of()).sessionId();
        assertThat(cache.sessionIds()).containsExactlyInAnyOrder(two, follower);
        // Once idle past the eviction time, any session yields its slot, least recently used first.
        clock.advance(Duration.ofSeconds(30));
        cache.open(follower, 1, true, true, List.of(), List.of());
        clock.advance(Duration.ofSeconds(100));
        int late = cache.open(0, 0, true, false, List.of(p(B, 0, 0)), List.of()).sessionId();
        assertThat(cache.sessionIds()).containsExactlyInAnyOrder(follower, late);
        assertThat(cache.evictions()).isEqualTo(3);
    }

    @Test
    void noSlotsMeansNoSessions() {
        FetchSessionCache cache = new FetchSessionCache(0, 120_000, clock, new Random(5));
        assertThat(cache.open(0, 0, true, false, List.of(p(A, 0, 0)), List.of()).sessionId()).isZero();
    }
}
