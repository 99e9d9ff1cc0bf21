package io.fjord.client.consumer.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fjord.client.consumer.WakeupException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WakeupTriggerTest {
    private final PollThreadQueue queue = new PollThreadQueue();
    private final WakeupTrigger wakeup = new WakeupTrigger(queue);

    @Test
    void aPendingWakeupThrowsOnceAtTheNextBlockingCall() {
        wakeup.wakeup();
        assertThatThrownBy(wakeup::maybeTrigger).isInstanceOf(WakeupException.class);
        wakeup.maybeTrigger(); // consumed
    }

    @Test
    void aWakeupReleasesABlockedWaitWithoutTouchingTheFuture() throws Exception {
        CompletableFuture<String> never = new CompletableFuture<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                wakeup.await(never, 600_000);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        waiter.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
        wakeup.wakeup();
        waiter.join(30_000);
        assertThat(thrown.get()).isInstanceOf(WakeupException.class);
        assertThat(never).isNotDone();
        assertThat(wakeup.await(CompletableFuture.completedFuture("x"), 1)).isTrue();
    }

    @Test
    void aWakeupEndsAPollThreadWait() {
        wakeup.wakeup();
        assertThat(queue.runPending(600_000)).isZero(); // returns at once: the wake marker is not counted as work
    }
}
