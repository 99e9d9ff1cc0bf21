package io.fjord.client.testing;

import io.fjord.client.common.Time;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to ({@link #advance}, or a {@link #sleep}, which returns at once). */
public final class ManualTime implements Time {
    private final AtomicLong nowMs;

    public ManualTime(long startMs) {
        this.nowMs = new AtomicLong(startMs);
    }

    @Override
    public long milliseconds() {
        return nowMs.get();
    }

    @Override
    public long nanoseconds() {
        return nowMs.get() * 1_000_000L;
    }

    @Override
    public void sleep(long ms) {
        if (ms > 0) nowMs.addAndGet(ms);
    }

    public void advance(long ms) {
        nowMs.addAndGet(ms);
    }
}
