package io.fjord.broker.quota;

import static io.fjord.broker.quota.ClientQuotaManager.CONSUMER_BYTE_RATE;
import static io.fjord.broker.quota.ClientQuotaManager.PRODUCER_BYTE_RATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientQuotaManagerTest {
    private final AtomicLong clock = new AtomicLong(5_000);
    private final ClientQuotaManager q = new ClientQuotaManager(11, 1000, clock::get);
    private static final String D = ClientQuotaEntity.DEFAULT;

    @Test
    void precedenceIsKafkasMostSpecificFirst() {
        q.alter(ClientQuotaEntity.clientId(D), PRODUCER_BYTE_RATE, 8.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(8.0);
        q.alter(ClientQuotaEntity.clientId("app"), PRODUCER_BYTE_RATE, 7.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(7.0);
        q.alter(ClientQuotaEntity.user(D), PRODUCER_BYTE_RATE, 6.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(6.0);
        q.alter(new ClientQuotaEntity(D, D), PRODUCER_BYTE_RATE, 5.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(5.0);
        q.alter(new ClientQuotaEntity(D, "app"), PRODUCER_BYTE_RATE, 4.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(4.0);
        q.alter(ClientQuotaEntity.user("alice"), PRODUCER_BYTE_RATE, 3.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(3.0);
        q.alter(new ClientQuotaEntity("alice", D), PRODUCER_BYTE_RATE, 2.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(2.0);
        q.alter(new ClientQuotaEntity("alice", "app"), PRODUCER_BYTE_RATE, 1.0);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(1.0);
        // Per key: nothing set for consumers.
        assertThat(q.quota(CONSUMER_BYTE_RATE, "alice", "app")).isNull();
        // Another user falls to the default-user entries; removing one exposes the next.
        assertThat(q.quota(PRODUCER_BYTE_RATE, "bob", "app")).isEqualTo(4.0);
        q.alter(new ClientQuotaEntity(D, "app"), PRODUCER_BYTE_RATE, null);
        assertThat(q.quota(PRODUCER_BYTE_RATE, "bob", "app")).isEqualTo(5.0);
        assertThat(q.describe()).doesNotContainKey(new ClientQuotaEntity(D, "app")).hasSize(7);
    }

    @Test
    void aUserQuotaIsOneBudgetForAllItsClientsAndADefaultIsOnePerUser() {
        q.alter(ClientQuotaEntity.user("alice"), PRODUCER_BYTE_RATE, 1000.0);
        q.alter(ClientQuotaEntity.user(D), PRODUCER_BYTE_RATE, 1000.0);
        // 10 000 bytes is what 1000/s allows over the 10 s minimum window; one client uses it up for both.
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "alice", "a", 10_000)).isZero();
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "alice", "b", 5_000)).isPositive();
        // Default user: carol and dave each have their own 1000/s.
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "carol", "x", 10_000)).isZero();
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "dave", "x", 10_000)).isZero();
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "carol", "x", 5_000)).isEqualTo(5_000);
        // No quota at all: never throttled.
        assertThat(q.recordAndGetThrottleMs(CONSUMER_BYTE_RATE, "carol", "x", 1e12)).isZero();
        clock.addAndGet(60_000);
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "carol", "x", 1_000)).isZero();
    }

    @Test
    void badQuotasAreRefused() {
        assertThatThrownBy(() -> q.alter(ClientQuotaEntity.user("u"), "bytes_please", 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.alter(ClientQuotaEntity.user("u"), PRODUCER_BYTE_RATE, 0.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientQuotaEntity(null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quotasFollowTheImageAndABoundThatChangesStartsAfresh() {
        java.util.concurrent.atomic.AtomicReference<java.util.Map<io.fjord.metadata.QuotaEntity, java.util.Map<String, Double>>> image =
                new java.util.concurrent.atomic.AtomicReference<>(java.util.Map.of());
        q.followImage(image::get);
        assertThat(q.isEmpty()).isTrue();
        image.set(java.util.Map.of(new io.fjord.metadata.QuotaEntity(null, "app"), java.util.Map.of(PRODUCER_BYTE_RATE, 100.0)));
        assertThat(q.quota(PRODUCER_BYTE_RATE, "alice", "app")).isEqualTo(100.0);
        for (int i = 0; i < 10; i++) {
            clock.addAndGet(1000);
            q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "alice", "app", 1_000);
        }
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "alice", "app", 1_000)).as("10x over").isPositive();
        // The same quotas as a new map instance: nothing changes, the measured rate stays.
        image.set(new java.util.HashMap<>(image.get()));
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "alice", "app", 0)).isPositive();
        // A higher bound from the image: measured afresh, so no throttle yet.
        image.set(java.util.Map.of(new io.fjord.metadata.QuotaEntity(null, "app"), java.util.Map.of(PRODUCER_BYTE_RATE, 1e9)));
        assertThat(q.recordAndGetThrottleMs(PRODUCER_BYTE_RATE, "alice", "app", 1_000)).isZero();
        assertThat(q.describe()).containsOnlyKeys(ClientQuotaEntity.clientId("app"));
        assertThatThrownBy(() -> q.alter(ClientQuotaEntity.user("u"), PRODUCER_BYTE_RATE, 1.0)).isInstanceOf(IllegalStateException.class);
    }
}
