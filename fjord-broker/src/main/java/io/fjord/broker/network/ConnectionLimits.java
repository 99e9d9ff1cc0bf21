package io.fjord.broker.network;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import io.fjord.broker.quota.SampledRate;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The broker's bounds on connections, with Kafka's names: {@code max.connections} (broker-wide, and per listener
 * as {@code listener.name.<l>.max.connections}), {@code max.connections.per.ip} with
 * {@code max.connections.per.ip.overrides} ({@code host:count,...}), and {@code max.connection.creation.rate}
 * (broker-wide and per listener; connections per second over the quota window).
 *
 * <p>As in Kafka, the inter-broker listener is not held to the broker-wide count or rate, so replication keeps
 * working while clients flood the broker; the per-IP bound applies on every listener. Unlike Kafka, which stops
 * accepting while the broker-wide count is reached, a connection beyond a count is accepted and closed at once
 * (the client sees a closed socket and retries with its reconnect backoff). Creation rate is enforced as Kafka
 * does: the listener stops accepting for the throttle time.
 *
 * <p>Thread-safe (one monitor; admissions are rare next to requests).
 */
public final class ConnectionLimits {
    /** Why a connection was refused, or ADMITTED. */
    public enum Admission { ADMITTED, BROKER_LIMIT, LISTENER_LIMIT, PER_IP_LIMIT }

    private final int maxConnections;
    private final Map<String, Integer> listenerMax = new HashMap<>();
    private final int maxPerIp;
    private final Map<InetAddress, Integer> perIpOverrides;
    private final String interBrokerListener;
    private final LongSupplier clockMs;
    private final SampledRate brokerRate;
    private final double brokerRateBound;
    private final Map<String, SampledRate> listenerRates = new HashMap<>();
    private final Map<String, Double> listenerRateBounds = new HashMap<>();

    private int total;
    private final Map<String, Integer> perListener = new HashMap<>();
    private final Map<InetAddress, Integer> perIp = new HashMap<>();

    public ConnectionLimits(BrokerConfig config, List<String> listeners, String interBrokerListener, LongSupplier clockMs) {
        this.maxConnections = positive(config, "max.connections");
        this.maxPerIp = nonNegative(config, "max.connections.per.ip");
        this.perIpOverrides = parseOverrides(config.get("max.connections.per.ip.overrides"));
        this.interBrokerListener = interBrokerListener;
        this.clockMs = clockMs;
        int samples = config.getInt("quota.window.num");
        long windowMs = config.getLong("quota.window.size.seconds") * 1000;
        this.brokerRate = new SampledRate(samples, windowMs);
        this.brokerRateBound = positive(config, "max.connection.creation.rate");
        for (String l : listeners) {
            String prefix = "listener.name." + l.toLowerCase(java.util.Locale.ROOT) + ".";
            String max = config.get(prefix + "max.connections");
            if (max != null && !max.isEmpty()) listenerMax.put(l, parsePositive(prefix + "max.connections", max));
            String rate = config.get(prefix + "max.connection.creation.rate");
            if (rate != null && !rate.isEmpty()) {
                listenerRateBounds.put(l, (double) parsePositive(prefix + "max.connection.creation.rate", rate));
                listenerRates.put(l, new SampledRate(samples, windowMs));
            }
        }
    }

    /** Counts the new connection in if every bound allows it; a refused one is not counted. */
    public synchronized Admission admit(String listener, InetAddress ip) {
        int ipLimit = perIpOverrides.getOrDefault(ip, maxPerIp);
        if (perIp.getOrDefault(ip, 0) >= ipLimit) return Admission.PER_IP_LIMIT;
        Integer lmax = listenerMax.get(listener);
        if (lmax != null && perListener.getOrDefault(listener, 0) >= lmax) return Admission.LISTENER_LIMIT;
        if (!listener.equals(interBrokerListener) && total >= maxConnections) return Admission.BROKER_LIMIT;
        total++;
        perListener.merge(listener, 1, Integer::sum);
        perIp.merge(ip, 1, Integer::sum);
        return Admission.ADMITTED;
    }

    /** A connection counted in by {@link #admit} has closed. */
    public synchronized void release(String listener, InetAddress ip) {
        total--;
        perListener.computeIfPresent(listener, (k, n) -> n > 1 ? n - 1 : null);
        perIp.computeIfPresent(ip, (k, n) -> n > 1 ? n - 1 : null);
    }

    /**
     * Records one accepted connection on the listener and says how long the listener should stop accepting so the
     * creation rate comes back to its bounds (0 when within them).
     */
    public synchronized long recordCreation(String listener) {
        long now = clockMs.getAsLong();
        long throttle = 0;
        SampledRate lr = listenerRates.get(listener);
        if (lr != null) {
            lr.record(1, now);
            throttle = lr.throttleTimeMs(listenerRateBounds.get(listener), now);
        }
        if (!listener.equals(interBrokerListener)) {
            brokerRate.record(1, now);
            throttle = Math.max(throttle, brokerRate.throttleTimeMs(brokerRateBound, now));
        }
        return throttle;
    }

    public synchronized int connectionCount() {
        return total;
    }

    public synchronized int connectionCount(InetAddress ip) {
        return perIp.getOrDefault(ip, 0);
    }

    public static Map<InetAddress, Integer> parseOverrides(String value) {
        Map<InetAddress, Integer> m = new LinkedHashMap<>();
        if (value == null || value.isBlank()) return m;
        for (String entry : value.split(",")) {
            String e = entry.trim();
            int colon = e.lastIndexOf(':');
            if (colon <= 0) throw new ConfigException("max.connections.per.ip.overrides: '" + e + "' is not host:count");
            try {
                m.put(InetAddress.getByName(e.substring(0, colon).trim()),
                        parseNonNegative("max.connections.per.ip.overrides", e.substring(colon + 1).trim()));
            } catch (UnknownHostException ex) {
                throw new ConfigException("max.connections.per.ip.overrides: unknown host in '" + e + "'");
            }
        }
        return m;
    }

    private static int positive(BrokerConfig c, String key) {
        return parsePositive(key, c.get(key));
    }

    private static int nonNegative(BrokerConfig c, String key) {
        return parseNonNegative(key, c.get(key));
    }

    private static int parsePositive(String key, String v) {
        int n = parseNonNegative(key, v);
        if (n < 1) throw new ConfigException(key + " must be at least 1");
        return n;
    }

    private static int parseNonNegative(String key, String v) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 0) throw new ConfigException(key + " must be at least 0");
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("Invalid value '" + v + "' for configuration " + key + ": not an integer");
        }
    }
}
