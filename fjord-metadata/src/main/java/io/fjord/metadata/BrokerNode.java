package io.fjord.metadata;

/** A broker as the cluster knows it: id, the address clients should use, and its rack (null if unset). */
public record BrokerNode(int id, String host, int port, String rack) {
}
