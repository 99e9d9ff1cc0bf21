package io.fjord.client.consumer.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeartbeatTest {
    @Test
    void timersFollowTheConfiguredIntervals() {
        Heartbeat h = new Heartbeat(10_000, 3_000, 300_000, 0);
        h.resetTimers(0);
        assertThat(h.shouldHeartbeat(2_999)).isFalse();
        assertThat(h.timeToNextHeartbeat(1_000)).isEqualTo(2_000);
        assertThat(h.shouldHeartbeat(3_000)).isTrue();
        h.sent(3_000);
        assertThat(h.timeToNextHeartbeat(3_000)).isEqualTo(3_000);
        assertThat(h.sessionTimeoutExpired(10_000)).isFalse();
        assertThat(h.sessionTimeoutExpired(10_001)).isTrue();
        h.heard(9_000);
        assertThat(h.sessionTimeoutExpired(10_001)).isFalse();
        assertThat(h.pollTimeoutExpired(300_000)).isFalse();
        assertThat(h.pollTimeoutExpired(300_001)).isTrue();
        h.poll(300_001);
        assertThat(h.pollTimeoutExpired(300_002)).isFalse();
    }

    @Test
    void heartbeatIntervalMustBeBelowTheSessionTimeout() {
        assertThatThrownBy(() -> new Heartbeat(3_000, 3_000, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
