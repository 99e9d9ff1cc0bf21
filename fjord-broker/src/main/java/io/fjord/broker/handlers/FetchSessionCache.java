package io.fjord.broker.handlers;

import io.fjord.protocol.api.Errors;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker's incremental fetch sessions (KIP-227): per session, the partitions a fetcher reads and, per partition,
 * its fetch state and what the last response told about it, so that a later Fetch need name only what changed and
 * its answer carries only partitions with news.
 *
 * <p>How a request's {@code SessionId} and {@code SessionEpoch} are read ({@link #open}):
 * <ul>
 *   <li>epoch {@value #FINAL_EPOCH}: a full fetch outside any session; a non-zero id closes that session first.</li>
 *   <li>epoch {@value #INITIAL_EPOCH}: a full fetch that asks for a new session (a non-zero id closes the old one);
 *       the answer names the new id, or 0 if no slot could be had. The next epoch expected is 1.</li>
 *   <li>any other epoch: an incremental fetch of session {@code SessionId}. An unknown id gets
 *       FETCH_SESSION_ID_NOT_FOUND; an epoch other than the one expected INVALID_FETCH_SESSION_EPOCH (a retry or a
 *       request from a stale fetcher must not move the session); a session made with names used with ids (or the
 *       reverse) FETCH_SESSION_TOPIC_ID_ERROR. Otherwise the request's partitions are added or updated, its
 *       forgotten ones removed, and the epoch moves on (after {@link Integer#MAX_VALUE}, to 1).</li>
 * </ul>
 * Sessions by id (Fetch v13+) key partitions by topic id, so a topic deleted and recreated under its name is another
 * partition; sessions by name (v7-12) key them by name.
 *
 * <p>Slots: at most {@code max.incremental.fetch.session.cache.slots} sessions. When full, a new session takes the
 * slot of the least recently used session idle for at least the eviction time (120 s, Kafka's); failing that, of
 * the least recently used session that ranks below it, a follower's session ranking above a consumer's and, among
 * the same kind, more partitions above fewer. This simplifies Kafka's rule (which evicts the smallest session of
 * lower rank rather than the least recently used one). Failing both, the fetch is served without a session.
 *
 * <p>Thread-safe: the cache under its own lock, each session's state under the session's lock (taken after the
 * cache's, never before). Two requests of one session cannot both pass the epoch check: the first moves it.
 */
public final class FetchSessionCache {
    public static final int NO_SESSION = 0;
    public static final int INITIAL_EPOCH = 0;
    public static final int FINAL_EPOCH = -1;
    /** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS: a session idle this long yields its slot to any other. */
    public static final long DEFAULT_EVICTION_MS = 120_000L;

    private final int slots;
    private final long evictionMs;
    private final Clock clock;
    private final Random random;
    /** Access-ordered: iteration starts at the least recently used session. */
    private final LinkedHashMap<Integer, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private final AtomicLong incrementalFetches = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    public FetchSessionCache(int slots, long evictionMs, Clock clock, Random random) {
        if (slots < 0) throw new IllegalArgumentException("max.incremental.fetch.session.cache.slots must be >= 0: " + slots);
        this.slots = slots;
        this.evictionMs = evictionMs;
        this.clock = clock;
        this.random = random;
    }

    /** One partition as a Fetch names it: by name (before v13, {@code topicId} null) or by topic id. */
    public record FetchPartition(String topic, UUID topicId, int partition, long fetchOffset, int currentLeaderEpoch,
                                 int lastFetchedEpoch, int maxBytes) {
        Key key(boolean byId) {
            return byId ? new Key(null, topicId, partition) : new Key(topic, null, partition);
        }
    }

    /** A forgotten partition: by name before v13, else by id. */
    public record Forgotten(String topic, UUID topicId, int partition) {
        Key key(boolean byId) {
            return byId ? new Key(null, topicId, partition) : new Key(topic, null, partition);
        }
    }

    /** How a session names a partition. */
    record Key(String topic, UUID topicId, int partition) {
    }

    /**
     * What to do with one Fetch: an error for the whole request ({@code error} not NONE, nothing to read), or the
     * partitions to read and, for an incremental fetch, the session whose memory filters the answer.
     *
     * @param sessionId   the id to answer with (0: none)
     * @param session     the session (null for a fetch outside any session)
     * @param incremental whether the answer carries only partitions with news
     */
    public record Context(Errors error, int sessionId, Session session, boolean incremental, List<FetchPartition> toFetch) {
        static Context failed(Errors error) {
            return new Context(error, NO_SESSION, null, false, List.of());
        }
    }

    /** Reads a Fetch's session fields and returns what to fetch; see the class comment for the rules. */
    public Context open(int sessionId, int epoch, boolean byId, boolean follower, List<FetchPartition> asked,
                        List<Forgotten> forgotten) {
        if (epoch == FINAL_EPOCH || epoch == INITIAL_EPOCH) {
            if (sessionId != NO_SESSION) remove(sessionId);
            if (epoch == FINAL_EPOCH) return new Context(Errors.NONE, NO_SESSION, null, false, asked);
            Session created = create(byId, follower, asked);
            if (created == null) return new Context(Errors.NONE, NO_SESSION, null, false, asked);
            return new Context(Errors.NONE, created.id, created, false, asked);
        }
        if (epoch < FINAL_EPOCH) return Context.failed(Errors.INVALID_FETCH_SESSION_EPOCH);
        Session session;
        synchronized (this) {
            session = sessions.get(sessionId); // touches it: most recently used
            if (session != null) session.lastUsedMs = clock.millis();
        }
        if (session == null) return Context.failed(Errors.FETCH_SESSION_ID_NOT_FOUND);
        synchronized (session) {
            if (session.closed) return Context.failed(Errors.FETCH_SESSION_ID_NOT_FOUND);
            if (session.byId != byId) return Context.failed(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
            if (session.epoch != epoch) return Context.failed(Errors.INVALID_FETCH_SESSION_EPOCH);
            for (FetchPartition p : asked) {
                CachedPartition cached = session.partitions.get(p.key(byId));
                if (cached == null) session.partitions.put(p.key(byId), new CachedPartition(p));
                else cached.request = p; // the fetch state changes; what was last answered stays
            }
            for (Forgotten f : forgotten) session.partitions.remove(f.key(byId));
            session.epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
            incrementalFetches.incrementAndGet();
            List<FetchPartition> all = new ArrayList<>(session.partitions.size());
            for (CachedPartition c : session.partitions.values()) all.add(c.request);
            return new Context(Errors.NONE, session.id, session, true, all);
        }
    }

    private synchronized Session create(boolean byId, boolean follower, List<FetchPartition> asked) {
        if (slots == 0) return null;
        if (sessions.size() >= slots && !evictOneFor(follower, asked.size())) return null;
        int id;
        do {
            id = random.nextInt(Integer.MAX_VALUE);
        } while (id == NO_SESSION || sessions.containsKey(id));
        Session s = new Session(id, byId, follower, clock.millis());
        for (FetchPartition p : asked) s.partitions.put(p.key(byId), new CachedPartition(p));
        sessions.put(id, s);
        return s;
    }

    /** Frees one slot for a new session of this kind and size; false if none may go. Caller holds the lock. */
    private boolean evictOneFor(boolean follower, int partitions) {
        long now = clock.millis();
        Session victim = null;
        for (Session s : sessions.values()) { // least recently used first
            if (now - s.lastUsedMs >= evictionMs) {
                victim = s;
                break;
            }
        }
        if (victim == null) {
            for (Session s : sessions.values()) {
                if (ranksBelow(s.follower, s.size(), follower, partitions)) {
                    victim = s;
                    break;
                }
            }
        }
        if (victim == null) return false;
        sessions.remove(victim.id);
        victim.close();
        evictions.incrementAndGet();
        return true;
    }

    private static boolean ranksBelow(boolean follower, int size, boolean otherFollower, int otherSize) {
        if (follower != otherFollower) return otherFollower;
        return size < otherSize;
    }

    /** Closes a session; false if there was none by that id. */
    public boolean remove(int sessionId) {
        Session s;
        synchronized (this) {
            s = sessions.remove(sessionId);
        }
        if (s == null) return false;
        s.close();
        return true;
    }

    public synchronized int size() {
        return sessions.size();
    }

    /** The ids of the open sessions (a copy), least recently used first. */
    public synchronized List<Integer> sessionIds() {
        return new ArrayList<>(sessions.keySet());
    }

    /** The partitions session {@code id} holds (a copy), or an empty list if it is not open. For tests and tools. */
    public List<String> partitionsOf(int id) {
        Session s;
        synchronized (this) {
            s = sessions.get(id);
        }
        if (s == null) return List.of();
        synchronized (s) {
            List<String> out = new ArrayList<>();
            for (Key k : s.partitions.keySet()) out.add((k.topicId != null ? k.topicId.toString() : k.topic) + "-" + k.partition);
            return out;
        }
    }

    /** Incremental fetches served since start (read-only figure, for observing that clients use sessions). */
    public long incrementalFetches() {
        return incrementalFetches.get();
    }

    public long evictions() {
        return evictions.get();
    }

    /** What a session remembers of a partition: the fetch state last asked for and what the last answer said. */
    static final class CachedPartition {
        FetchPartition request;
        /** Long.MIN_VALUE until an answer carried the partition: the first answer always does. */
        long sentHighWatermark = Long.MIN_VALUE;
        long sentLastStableOffset = Long.MIN_VALUE;
        long sentLogStartOffset = Long.MIN_VALUE;

        CachedPartition(FetchPartition request) {
            this.request = request;
        }
    }

    /** One session. Its fields are guarded by its own lock. */
    public static final class Session {
        final int id;
        final boolean byId;
        final boolean follower;
        int epoch = 1;
        long lastUsedMs;
        boolean closed;
        final Map<Key, CachedPartition> partitions = new LinkedHashMap<>();

        Session(int id, boolean byId, boolean follower, long nowMs) {
            this.id = id;
            this.byId = byId;
            this.follower = follower;
            this.lastUsedMs = nowMs;
        }

        public int id() {
            return id;
        }

        synchronized int size() {
            return partitions.size();
        }

        synchronized void close() {
            closed = true;
        }

        /**
         * Whether an answer must carry this partition, and if so records what it tells. A full answer ({@code
         * incremental} false) carries every partition; an incremental one those with records, an error, a
         * diverging epoch, or a high watermark, last stable offset or log start other than last told.
         */
        public synchronized boolean mustSend(FetchPartition p, boolean incremental, boolean news, long highWatermark,
                                             long lastStableOffset, long logStartOffset) {
            CachedPartition c = partitions.get(p.key(byId));
            if (c == null) return !incremental; // forgotten meanwhile (a full answer still lists what was asked)
            boolean changed = c.sentHighWatermark != highWatermark || c.sentLastStableOffset != lastStableOffset
                    || c.sentLogStartOffset != logStartOffset;
            if (incremental && !news && !changed) return false;
            c.sentHighWatermark = highWatermark;
            c.sentLastStableOffset = lastStableOffset;
            c.sentLogStartOffset = logStartOffset;
            return true;
        }

        /** The epoch the next incremental fetch of this session must carry. */
        public synchronized int expectedEpoch() {
            return epoch;
        }
    }
}
