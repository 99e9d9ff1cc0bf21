package io.fjord.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A shutdown step that is still running is reported again with the time spent; each step's end is logged. */
class ShutdownProgressTest {
    @Test
    void aSlowStepIsReportedUntilItEnds() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicLong nanos = new AtomicLong();
        CountDownLatch release = new CountDownLatch(1);
        try (ShutdownProgress p = new ShutdownProgress("node 7", 20, nanos::get, lines::add)) {
            p.step("quick", () -> nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(3)));
            Thread slow = new Thread(() -> p.step("replica fetchers", () -> {
                nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(2500));
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            slow.start();
            await("the slow step is reported while it runs").atMost(Duration.ofSeconds(30))
                    .until(() -> lines.contains("node 7 stopping: still waiting for replica fetchers (2500 ms)"));
            release.countDown();
            slow.join(30_000);
        }
        assertThat(lines).startsWith("node 7 stopping: waiting for quick", "node 7 stopping: quick done in 3 ms",
                "node 7 stopping: waiting for replica fetchers");
        assertThat(lines).last().isEqualTo("node 7 stopping: replica fetchers done in 2500 ms");
        assertThat(lines).noneMatch(l -> l.contains("still waiting for quick"));
    }
}
