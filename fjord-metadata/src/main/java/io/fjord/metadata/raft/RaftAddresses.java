package io.fjord.metadata.raft;

import java.io.IOException;

/** The host:port arithmetic of Raft addresses and the bind probe made before Ratis starts. Stateless. */
final class RaftAddresses {
    private RaftAddresses() {
    }

    /** Binds and releases host:port; a {@link java.net.BindException} names the address and the cause. */
    static void checkBindable(String host, int port) throws java.net.BindException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true); // as the gRPC server binds: a socket lingering in TIME_WAIT is no obstacle
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (IOException e) {
            java.net.BindException b = new java.net.BindException("cannot bind the Raft server to " + host + ":" + port
                    + ": " + e.getMessage());
            b.initCause(e);
            throw b;
        }
    }

    static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        String host = colon < 0 ? "" : address.substring(0, colon).trim();
        return host.isEmpty() ? "0.0.0.0" : host;
    }

    static int portOf(String address) {
        try {
            return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Raft listener address '" + address + "' is not host:port");
        }
    }
}
