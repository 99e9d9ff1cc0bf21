package io.fjord.broker.quota;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Client quotas with Kafka's keys and precedence: {@code producer_byte_rate} (bytes of produce requests per
 * second), {@code consumer_byte_rate} (bytes of fetch responses per second) and {@code request_percentage}
 * (percent of one thread's time spent in handlers, per second), set per user, client id or both, with
 * {@code <default>} entities.
 *
 * <p>For each quota key separately, the first entity that has the key wins, in Kafka's order (most specific
 * first): user+client-id, user+default client-id, user, default user+client-id, default user+default
 * client-id, default user, client-id, default client-id. The quota is shared by everything that entity stands
 * for: a quota on user U alone is one budget for all of U's clients, a quota on the default user is one budget per
 * user. Rates are measured with {@link SampledRate} over {@code quota.window.num} windows of
 * {@code quota.window.size.seconds}; a client over its quota is told to wait the throttle time.
 *
 * <p>Where the quotas come from: in a broker, the metadata image ({@link #followImage}), so every node enforces
 * what AlterClientQuotas committed to the metadata log and a restart keeps it; the manager re-reads the image's
 * quota map whenever it is a different instance (the image keeps the same one while quotas do not change). Without
 * an image (unit tests) {@link #alter} sets them locally.
 *
 * <p>Thread-safe (one monitor; a record is a map lookup and an add).
 */
public final class ClientQuotaManager {
    public static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
    public static final String CONSUMER_BYTE_RATE = "consumer_byte_rate";
    public static final String REQUEST_PERCENTAGE = "request_percentage";
    public static final Set<String> KEYS = Set.of(PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE, REQUEST_PERCENTAGE);

    private final int numSamples;
    private final long sampleWindowMs;
    private final LongSupplier clockMs;
    private final Map<ClientQuotaEntity, Map<String, Double>> quotas = new LinkedHashMap<>();
    /** One measured rate per quota key and per budget (the winning entity with defaults filled by the client's names). */
    private final Map<String, Map<ClientQuotaEntity, SampledRate>> rates = new HashMap<>();

    private java.util.function.Supplier<Map<io.fjord.metadata.QuotaEntity, Map<String, Double>>> image;
    private Map<io.fjord.metadata.QuotaEntity, Map<String, Double>> seen;

    public ClientQuotaManager(int numSamples, long sampleWindowMs, LongSupplier clockMs) {
        this.numSamples = numSamples;
        this.sampleWindowMs = sampleWindowMs;
        this.clockMs = clockMs;
    }

    /** From now on the quotas are the image's ({@code ClusterImage.clientQuotas()}), read on each use. */
    public synchronized void followImage(java.util.function.Supplier<Map<io.fjord.metadata.QuotaEntity, Map<String, Double>>> image) {
        this.image = image;
        this.seen = null;
    }

    /** Takes the image's quotas when they changed; a key whose bounds changed starts measuring afresh. */
    private void refresh() {
        if (image == null) return;
        Map<io.fjord.metadata.QuotaEntity, Map<String, Double>> now = image.get();
        if (now == seen) return;
        Map<ClientQuotaEntity, Map<String, Double>> next = new LinkedHashMap<>();
        now.forEach((e, m) -> next.put(new ClientQuotaEntity(e.user(), e.clientId()), new LinkedHashMap<>(m)));
        for (String key : KEYS) if (!byKey(quotas, key).equals(byKey(next, key))) rates.remove(key);
        quotas.clear();
        quotas.putAll(next);
        seen = now;
    }

    private static Map<ClientQuotaEntity, Double> byKey(Map<ClientQuotaEntity, Map<String, Double>> all, String key) {
        Map<ClientQuotaEntity, Double> out = new HashMap<>();
        all.forEach((e, m) -> {
            if (m.containsKey(key)) out.put(e, m.get(key));
        });
        return out;
    }

    /** Sets ({@code value} non-null) or removes one quota of the entity, on this node only (no image followed). */
    public synchronized void alter(ClientQuotaEntity entity, String key, Double value) {
        if (!KEYS.contains(key)) throw new IllegalArgumentException("unknown quota key " + key);
        if (value != null && !(value > 0)) throw new IllegalArgumentException(key + " must be positive, got " + value);
        if (image != null) throw new IllegalStateException("quotas come from the metadata image: change them through the controller");
        if (value == null) {
            Map<String, Double> m = quotas.get(entity);
            if (m != null) {
                m.remove(key);
                if (m.isEmpty()) quotas.remove(entity);
            }
        } else {
            quotas.computeIfAbsent(entity, e -> new LinkedHashMap<>()).put(key, value);
        }
        rates.remove(key); // budgets may now be grouped differently: start measuring afresh
    }

    /** Every entity's quotas (a copy). */
    public synchronized Map<ClientQuotaEntity, Map<String, Double>> describe() {
        refresh();
        Map<ClientQuotaEntity, Map<String, Double>> copy = new LinkedHashMap<>();
        quotas.forEach((e, m) -> copy.put(e, Map.copyOf(m)));
        return copy;
    }

    /** The quota that applies to this user and client id for the key, or null when none does. */
    public synchronized Double quota(String key, String user, String clientId) {
        Resolved r = resolve(key, user, clientId);
        return r == null ? null : r.bound;
    }

    /**
     * Records {@code value} against the client's quota for the key and returns how long the client must wait
     * (0 when it has no quota or is within it).
     */
    public synchronized long recordAndGetThrottleMs(String key, String user, String clientId, double value) {
        Resolved r = resolve(key, user, clientId);
        if (r == null) return 0;
        long now = clockMs.getAsLong();
        SampledRate rate = rates.computeIfAbsent(key, k -> new HashMap<>())
                .computeIfAbsent(r.budget, b -> new SampledRate(numSamples, sampleWindowMs));
        rate.record(value, now);
        return rate.throttleTimeMs(r.bound, now);
    }

    public synchronized boolean isEmpty() {
        refresh();
        return quotas.isEmpty();
    }

    private record Resolved(double bound, ClientQuotaEntity budget) {
    }

    private Resolved resolve(String key, String user, String clientId) {
        refresh();
        if (quotas.isEmpty()) return null;
        String d = ClientQuotaEntity.DEFAULT;
        // Kafka's order; each candidate pairs the entity looked up with the budget it stands for.
        List<ClientQuotaEntity[]> order = List.of(
                pair(new ClientQuotaEntity(user, clientId), new ClientQuotaEntity(user, clientId)),
                pair(new ClientQuotaEntity(user, d), new ClientQuotaEntity(user, clientId)),
                pair(ClientQuotaEntity.user(user), ClientQuotaEntity.user(user)),
                pair(new ClientQuotaEntity(d, clientId), new ClientQuotaEntity(user, clientId)),
                pair(new ClientQuotaEntity(d, d), new ClientQuotaEntity(user, clientId)),
                pair(ClientQuotaEntity.user(d), ClientQuotaEntity.user(user)),
                pair(ClientQuotaEntity.clientId(clientId), ClientQuotaEntity.clientId(clientId)),
                pair(ClientQuotaEntity.clientId(d), ClientQuotaEntity.clientId(clientId)));
        for (ClientQuotaEntity[] c : order) {
            Map<String, Double> m = quotas.get(c[0]);
            if (m != null && m.containsKey(key)) return new Resolved(m.get(key), c[1]);
        }
        return null;
    }

    private static ClientQuotaEntity[] pair(ClientQuotaEntity lookup, ClientQuotaEntity budget) {
        return new ClientQuotaEntity[] {lookup, budget};
    }
}
