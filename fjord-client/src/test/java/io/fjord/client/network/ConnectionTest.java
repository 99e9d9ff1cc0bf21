package io.fjord.client.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.client.common.Node;
import java.nio.channels.SocketChannel;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every legal and illegal move of {@link Connection}'s state machine. */
class ConnectionTest {
    private static Connection fresh() throws Exception {
        return new Connection(1, new Node(1, "127.0.0.1", 9), SocketChannel.open(), 0);
    }

    private static Connection in(Connection.State s) throws Exception {
        Connection c = fresh();
        if (s == Connection.State.CONNECTING) return c;
        c.connected();
        if (s == Connection.State.HANDSHAKING) return c;
        c.handshaken(Map.of((short) 1, new short[] {4, 12}));
        if (s == Connection.State.READY) return c;
        c.close();
        return c;
    }

    @Test
    void legalPath() throws Exception {
        Connection c = fresh();
        assertThat(c.state()).isEqualTo(Connection.State.CONNECTING);
        assertThat(c.isEstablishing()).isTrue();
        c.connected();
        assertThat(c.state()).isEqualTo(Connection.State.HANDSHAKING);
        assertThat(c.versionRange((short) 1)).isNull();
        c.handshaken(Map.of((short) 1, new short[] {4, 12}));
        assertThat(c.state()).isEqualTo(Connection.State.READY);
        assertThat(c.isEstablishing()).isFalse();
        assertThat(c.versionRange((short) 1)).containsExactly(4, 12);
        c.close();
        assertThat(c.state()).isEqualTo(Connection.State.CLOSED);
        assertThat(c.channel.isOpen()).isFalse();
    }

    @Test
    void everyLiveStateMayClose() throws Exception {
        for (Connection.State s : new Connection.State[] {Connection.State.CONNECTING, Connection.State.HANDSHAKING,
                Connection.State.READY}) {
            Connection c = in(s);
            c.close();
            assertThat(c.state()).isEqualTo(Connection.State.CLOSED);
        }
    }

    @Test
    void illegalMovesThrow() throws Exception {
        for (Connection.State s : Connection.State.values()) {
            if (s != Connection.State.CONNECTING) {
                Connection c = in(s);
                assertThatThrownBy(c::connected).as("connected() from " + s).isInstanceOf(IllegalStateException.class);
                assertThat(c.state()).isEqualTo(s);
            }
            if (s != Connection.State.HANDSHAKING) {
                Connection c = in(s);
                assertThatThrownBy(() -> c.handshaken(Map.of())).as("handshaken() from " + s).isInstanceOf(IllegalStateException.class);
                assertThat(c.state()).isEqualTo(s);
            }
        }
        Connection closed = in(Connection.State.CLOSED);
        assertThatThrownBy(closed::close).isInstanceOf(IllegalStateException.class);
    }
}
