package io.fjord.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import io.fjord.broker.network.ConnectionLimits.Admission;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private ConnectionLimits limits(Map<String, String> extra) {
        Map<String, String> s = new HashMap<>();
        s.put("node.id", "1");
        s.put("process.roles", "broker,controller");
        s.put("controller.quorum.voters", "1@127.0.0.1:19093");
        s.put("listeners", "PLAINTEXT://127.0.0.1:19092,REPL://127.0.0.1:19094,CONTROLLER://127.0.0.1:19093");
        s.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,REPL:PLAINTEXT,CONTROLLER:PLAINTEXT");
        s.put("controller.listener.names", "CONTROLLER");
        s.put("inter.broker.listener.name", "REPL");
        s.putAll(extra);
        BrokerConfig c = BrokerConfig.of(s);
        return new ConnectionLimits(c, List.of("PLAINTEXT", "REPL"), "REPL", clock::get);
    }

    @Test
    void perIpBoundWithOverrides() throws Exception {
        ConnectionLimits l = limits(Map.of("max.connections.per.ip", "2", "max.connections.per.ip.overrides", "127.0.0.9:4"));
        InetAddress a = InetAddress.getByName("127.0.0.2");
        InetAddress trusted = InetAddress.getByName("127.0.0.9");
        assertThat(l.admit("PLAINTEXT", a)).isEqualTo(Admission.ADMITTED);
        assertThat(l.admit("REPL", a)).isEqualTo(Admission.ADMITTED);
        assertThat(l.admit("PLAINTEXT", a)).isEqualTo(Admission.PER_IP_LIMIT);
        for (int i = 0; i < 4; i++) assertThat(l.admit("PLAINTEXT", trusted)).isEqualTo(Admission.ADMITTED);
        assertThat(l.admit("PLAINTEXT", trusted)).isEqualTo(Admission.PER_IP_LIMIT);
        l.release("PLAINTEXT", a);
        assertThat(l.connectionCount(a)).isEqualTo(1);
        assertThat(l.admit("PLAINTEXT", a)).isEqualTo(Admission.ADMITTED);
    }

    @Test
    void brokerBoundSparesTheInterBrokerListenerAndListenerBoundsApply() throws Exception {
        ConnectionLimits l = limits(Map.of("max.connections", "3", "listener.name.repl.max.connections", "5"));
        InetAddress a = InetAddress.getByName("127.0.0.2");
        for (int i = 0; i < 3; i++) assertThat(l.admit("PLAINTEXT", a)).isEqualTo(Admission.ADMITTED);
        assertThat(l.admit("PLAINTEXT", a)).isEqualTo(Admission.BROKER_LIMIT);
        for (int i = 0; i < 5; i++) assertThat(l.admit("REPL", a)).isEqualTo(Admission.ADMITTED);
        assertThat(l.admit("REPL", a)).isEqualTo(Admission.LISTENER_LIMIT);
        assertThat(l.connectionCount()).isEqualTo(8);
    }

    @Test
    void creationRateThrottlesAcceptingButNotTheInterBrokerListener() {
        ConnectionLimits l = limits(Map.of("max.connection.creation.rate", "2"));
        long throttle = 0;
        for (int i = 0; i < 40; i++) throttle = l.recordCreation("PLAINTEXT");
        // 40 connections at once against 2/s over a 10 s minimum window: 20 s worth, 10 s too many.
        assertThat(throttle).isEqualTo(10_000);
        for (int i = 0; i < 40; i++) assertThat(l.recordCreation("REPL")).isZero();
        clock.addAndGet(60_000);
        assertThat(l.recordCreation("PLAINTEXT")).isZero();
    }

    @Test
    void badOverridesAreRefused() {
        assertThatThrownBy(() -> limits(Map.of("max.connections.per.ip.overrides", "127.0.0.1"))).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> limits(Map.of("max.connections.per.ip.overrides", "127.0.0.1:x"))).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> limits(Map.of("max.connections", "0"))).isInstanceOf(ConfigException.class);
    }

    @Test
    void queueBudgetPausesAndWakes() {
        RequestQueueBudget b = new RequestQueueBudget(2, 100);
        assertThat(b.acquire(10)).isTrue();
        assertThat(b.acquire(10)).isFalse(); // two requests: spent
        java.util.concurrent.atomic.AtomicInteger woken = new java.util.concurrent.atomic.AtomicInteger();
        b.whenRoom(woken::incrementAndGet);
        assertThat(woken).hasValue(0);
        b.release(10);
        assertThat(woken).hasValue(1);
        assertThat(b.acquire(200)).isFalse(); // bytes: spent by one large request
        b.release(200);
        b.release(10);
        assertThat(b.queuedRequests()).isZero();
        assertThat(b.queuedBytes()).isZero();
        b.whenRoom(woken::incrementAndGet);
        assertThat(woken).hasValue(2);
    }
}
