package io.fjord.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The purgatory on a manual timer: deadlines fire when the test moves the clock, never by waiting. */
class DelayedOperationPurgatoryTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final TopicPartition OTHER = new TopicPartition("t", 1);

    /** Deadlines in a list, fired by {@link #advance}; cancelled ones never run. */
    static final class ManualTimer implements DelayedOperationPurgatory.Timer {
        private record Task(long at, Runnable run, AtomicBoolean cancelled) {
        }

        private final List<Task> tasks = new ArrayList<>();
        private long now;
        boolean closed;

        @Override
        public synchronized Runnable schedule(Runnable task, long delayMs) {
            Task t = new Task(now + delayMs, task, new AtomicBoolean());
            tasks.add(t);
            return () -> t.cancelled().set(true);
        }

        void advance(long ms) {
            List<Task> due = new ArrayList<>();
            synchronized (this) {
                now += ms;
                tasks.removeIf(t -> {
                    if (t.at() > now) return false;
                    due.add(t);
                    return true;
                });
            }
            for (Task t : due) if (!t.cancelled().get()) t.run().run();
        }

        synchronized long live() {
            return tasks.stream().filter(t -> !t.cancelled().get()).count();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** An operation satisfied once {@code available} reaches {@code wanted}; counts its completions. */
    static final class Op implements DelayedOperationPurgatory.DelayedOperation {
        final AtomicInteger available;
        final int wanted;
        final AtomicInteger completions = new AtomicInteger();

        Op(AtomicInteger available, int wanted) {
            this.available = available;
            this.wanted = wanted;
        }

        @Override
        public boolean isSatisfied() {
            return available.get() >= wanted;
        }

        @Override
        public void complete() {
            completions.incrementAndGet();
        }
    }

    private final ManualTimer timer = new ManualTimer();
    private final DelayedOperationPurgatory purgatory = new DelayedOperationPurgatory(timer);
    private final AtomicInteger bytes = new AtomicInteger();

    @Test
    void anUnsatisfiedOperationCompletesAtItsDeadlineAndNotBefore() {
        Op op = new Op(bytes, 10);
        purgatory.park(op, List.of(TP), 500);
        assertThat(purgatory.waiting()).isEqualTo(1);
        timer.advance(499);
        assertThat(op.completions).hasValue(0);
        purgatory.checkAndComplete(TP); // nothing changed: still waiting
        assertThat(op.completions).hasValue(0);
        timer.advance(1);
        assertThat(op.completions).hasValue(1);
        assertThat(purgatory.waiting()).isZero();
        timer.advance(10_000);
        assertThat(op.completions).as("exactly once").hasValue(1);
    }

    @Test
    void aChangeOnAWatchedPartitionCompletesItEarlyAndCancelsTheDeadline() {
        Op op = new Op(bytes, 10);
        purgatory.park(op, List.of(TP, OTHER), 500);
        bytes.set(10);
        purgatory.checkAndComplete(OTHER);
        assertThat(op.completions).hasValue(1);
        assertThat(purgatory.waiting()).as("unwatched on every partition").isZero();
        assertThat(timer.live()).as("its deadline is cancelled").isZero();
        timer.advance(1_000);
        purgatory.checkAndComplete(TP);
        assertThat(op.completions).hasValue(1);
    }

    @Test
    void anOperationAlreadySatisfiedWhenParkedCompletesAtOnce() {
        bytes.set(10);
        Op op = new Op(bytes, 10);
        purgatory.park(op, List.of(TP), 500);
        assertThat(op.completions).hasValue(1);
        assertThat(purgatory.waiting()).isZero();
    }

    @Test
    void completeAllAnswersEveryWaiterOfAPartitionAndCloseAnswersTheRest() {
        Op a = new Op(bytes, 10);
        Op b = new Op(bytes, 10);
        Op c = new Op(bytes, 10);
        purgatory.park(a, List.of(TP), 500);
        purgatory.park(b, List.of(TP), 500);
        purgatory.park(c, List.of(OTHER), 500);
        purgatory.completeAll(TP);
        assertThat(a.completions).hasValue(1);
        assertThat(b.completions).hasValue(1);
        assertThat(c.completions).hasValue(0);
        purgatory.close();
        assertThat(c.completions).hasValue(1);
        assertThat(timer.closed).isTrue();
        timer.advance(1_000);
        assertThat(a.completions.get() + b.completions.get() + c.completions.get()).isEqualTo(3);
    }
}
