package io.fjord.client.common;

/** A broker as the cluster metadata names it; bootstrap addresses get negative ids until metadata arrives. */
public record Node(int id, String host, int port, String rack) {
    public Node(int id, String host, int port) {
        this(id, host, port, null);
    }

    @Override
    public String toString() {
        return host + ":" + port + " (id: " + id + (rack == null ? "" : ", rack: " + rack) + ")";
    }
}
