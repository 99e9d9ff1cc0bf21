package io.fjord.metadata;

import java.util.List;

/**
 * A broker as the cluster knows it: id, the address other brokers use (its inter-broker listener), its rack (null
 * if unset) and the advertised endpoint of each of its Kafka listeners. A broker registered before endpoints were
 * recorded has none: its one address then serves every listener name.
 */
public record BrokerNode(int id, String host, int port, String rack, List<Endpoint> endpoints) {
    /** One advertised listener: name (upper case, as in {@code listeners}), host and port. */
    public record Endpoint(String listener, String host, int port) {
    }

    public BrokerNode {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    public BrokerNode(int id, String host, int port, String rack) {
        this(id, host, port, rack, List.of());
    }

    /**
     * Where a client that came in on {@code listener} reaches this broker: its endpoint of that name, or null when
     * the broker has no such listener (Kafka leaves such brokers out of the answer). Without recorded endpoints, or
     * when no listener name is known, the broker's own address.
     */
    public Endpoint endpoint(String listener) {
        if (endpoints.isEmpty() || listener == null) return new Endpoint(listener, host, port);
        for (Endpoint e : endpoints) if (e.listener().equals(listener)) return e;
        return null;
    }
}
