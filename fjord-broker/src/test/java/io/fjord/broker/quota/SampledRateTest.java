package io.fjord.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SampledRateTest {
    @Test
    void aBurstAtStartIsSpreadOverTheMinimumWindow() {
        SampledRate r = new SampledRate(11, 1000);
        r.record(10_000, 0);
        // 10 full windows at least: 10 000 bytes over 10 s.
        assertThat(r.ratePerSecond(0)).isCloseTo(1000.0, within(1.0));
    }

    @Test
    void steadyRecordingReadsAsItsRate() {
        SampledRate r = new SampledRate(11, 1000);
        for (long t = 0; t < 30_000; t += 100) r.record(50, t); // 500 per second
        assertThat(r.ratePerSecond(30_000)).isCloseTo(500.0, within(30.0));
    }

    @Test
    void oldSamplesExpire() {
        SampledRate r = new SampledRate(3, 1000);
        r.record(3000, 0);
        assertThat(r.ratePerSecond(100)).isGreaterThan(0);
        assertThat(r.ratePerSecond(10_000)).isEqualTo(0.0);
    }

    @Test
    void throttleTimeIsTheExcessTimesTheWindow() {
        SampledRate r = new SampledRate(11, 1000);
        r.record(20_000, 0); // 2000/s read over the 10 s minimum window, bound 1000/s: 10 s too much
        assertThat(r.throttleTimeMs(1000, 0)).isEqualTo(10_000);
        SampledRate steady = new SampledRate(11, 1000);
        for (long t = 0; t < 30_000; t += 100) steady.record(200, t); // 2000 per second
        // Twice the bound over a 10-11 s window: quiet for about one window.
        assertThat(steady.throttleTimeMs(1000, 30_000)).isBetween(9_000L, 11_500L);
        assertThat(steady.throttleTimeMs(2500, 30_000)).isZero();
        assertThat(new SampledRate(11, 1000).throttleTimeMs(1000, 5)).isZero();
    }
}
