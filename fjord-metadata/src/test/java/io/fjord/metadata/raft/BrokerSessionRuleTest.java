package io.fjord.metadata.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The active controller's broker session rule, on numbers instead of a clock: no sleeps, no cluster. */
class BrokerSessionRuleTest {
    private static final long SESSION = TimeUnit.MILLISECONDS.toNanos(9000);

    @Test
    void aBrokerIsAliveForOneSessionAfterItsLastHeartbeat() {
        long leaderSince = 1_000;
        long heartbeat = leaderSince + TimeUnit.SECONDS.toNanos(5);
        assertThat(RaftController.sessionAlive(heartbeat, leaderSince, heartbeat + SESSION, SESSION)).isTrue();
        assertThat(RaftController.sessionAlive(heartbeat, leaderSince, heartbeat + SESSION + 1, SESSION)).isFalse();
    }

    @Test
    void aNewActiveControllerGivesEveryBrokerAFullSessionFromItsOwnStart() {
        long leaderSince = TimeUnit.SECONDS.toNanos(100);
        // Heard by an earlier leadership of this node long ago, or never: the session starts with this leadership.
        long stale = TimeUnit.SECONDS.toNanos(1);
        for (Long last : new Long[] {stale, null}) {
            assertThat(RaftController.sessionAlive(last, leaderSince, leaderSince + SESSION, SESSION)).isTrue();
            assertThat(RaftController.sessionAlive(last, leaderSince, leaderSince + SESSION + 1, SESSION)).isFalse();
        }
    }
}
