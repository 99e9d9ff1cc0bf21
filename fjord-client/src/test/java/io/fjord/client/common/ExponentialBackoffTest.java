package io.fjord.client.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExponentialBackoffTest {
    @Test
    void doublesFromTheInitialValueUpToTheMaximumWithoutJitter() {
        ExponentialBackoff b = new ExponentialBackoff(100, 1000, 0, new Random(1));
        assertThat(b.backoffMs(0)).isZero();
        assertThat(b.backoffMs(1)).isEqualTo(100);
        assertThat(b.backoffMs(2)).isEqualTo(200);
        assertThat(b.backoffMs(3)).isEqualTo(400);
        assertThat(b.backoffMs(4)).isEqualTo(800);
        assertThat(b.backoffMs(5)).isEqualTo(1000);
        assertThat(b.backoffMs(1_000_000)).isEqualTo(1000);
    }

    @Test
    void jitterSpreadsWithinTwentyPercentAndNeverAboveTheMaximum() {
        ExponentialBackoff b = new ExponentialBackoff(100, 1000, 0.2, new Random(42));
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long v = b.backoffMs(3); // 400 before jitter
            min = Math.min(min, v);
            max = Math.max(max, v);
            assertThat(b.backoffMs(10)).isBetween(800L, 1000L);
        }
        assertThat(min).isBetween(320L, 340L);
        assertThat(max).isBetween(460L, 480L);
    }

    @Test
    void sameSeedSameSequence() {
        ExponentialBackoff a = new ExponentialBackoff(50, 1000, 0.2, new Random(7));
        ExponentialBackoff b = new ExponentialBackoff(50, 1000, 0.2, new Random(7));
        for (int i = 1; i < 20; i++) assertThat(a.backoffMs(i)).isEqualTo(b.backoffMs(i));
    }

    @Test
    void readsKafkasConfigNamesAndDefaults() {
        ClientConfig none = new ClientConfig(Map.of());
        assertThat(ExponentialBackoff.retry(none, new Random()).initialMs()).isEqualTo(100);
        assertThat(ExponentialBackoff.retry(none, new Random()).maxMs()).isEqualTo(1000);
        assertThat(ExponentialBackoff.reconnect(none, new Random()).initialMs()).isEqualTo(50);
        ClientConfig set = new ClientConfig(Map.of("retry.backoff.ms", 10, "retry.backoff.max.ms", 80,
                "reconnect.backoff.ms", "5", "reconnect.backoff.max.ms", "40"));
        assertThat(ExponentialBackoff.retry(set, new Random()).maxMs()).isEqualTo(80);
        assertThat(ExponentialBackoff.reconnect(set, new Random()).initialMs()).isEqualTo(5);
        assertThat(ExponentialBackoff.reconnect(set, new Random()).maxMs()).isEqualTo(40);
    }

    @Test
    void maximumBelowInitialFixesTheWaitAtTheMaximum() {
        ExponentialBackoff b = new ExponentialBackoff(500, 200, 0, new Random());
        assertThat(b.backoffMs(1)).isEqualTo(200);
        assertThat(b.backoffMs(5)).isEqualTo(200);
        assertThatThrownBy(() -> new ExponentialBackoff(-1, 10, 0, new Random())).isInstanceOf(IllegalArgumentException.class);
    }
}
