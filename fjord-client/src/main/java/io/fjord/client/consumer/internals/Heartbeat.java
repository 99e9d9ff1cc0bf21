package io.fjord.client.consumer.internals;

/**
 * The timers of group membership, on the clock passed in as {@code now}: when poll was last called
 * ({@code max.poll.interval.ms}), when the coordinator last answered a heartbeat ({@code session.timeout.ms}) and
 * when the next heartbeat is due ({@code heartbeat.interval.ms}). Pure arithmetic, so it is tested with plain
 * numbers. Thread-safe (a leaf monitor: it calls nothing).
 */
public final class Heartbeat {
    private final long sessionTimeoutMs;
    private final long heartbeatIntervalMs;
    private final long maxPollIntervalMs;
    private long lastPollMs;
    private long lastHeardMs;
    private long nextHeartbeatMs;

    public Heartbeat(long sessionTimeoutMs, long heartbeatIntervalMs, long maxPollIntervalMs, long nowMs) {
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw new IllegalArgumentException("heartbeat.interval.ms must be lower than session.timeout.ms");
        }
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.maxPollIntervalMs = maxPollIntervalMs;
        this.lastPollMs = nowMs;
        this.lastHeardMs = nowMs;
    }

    public synchronized void poll(long nowMs) {
        lastPollMs = nowMs;
    }

    public synchronized boolean pollTimeoutExpired(long nowMs) {
        return nowMs - lastPollMs > maxPollIntervalMs;
    }

    /** The coordinator answered (a heartbeat, or it was just found): the session is alive. */
    public synchronized void heard(long nowMs) {
        lastHeardMs = nowMs;
    }

    public synchronized boolean sessionTimeoutExpired(long nowMs) {
        return nowMs - lastHeardMs > sessionTimeoutMs;
    }

    /** A new generation began: the session is fresh and the first heartbeat is one interval away. */
    public synchronized void resetTimers(long nowMs) {
        lastHeardMs = nowMs;
        nextHeartbeatMs = nowMs + heartbeatIntervalMs;
    }

    public synchronized boolean shouldHeartbeat(long nowMs) {
        return nowMs >= nextHeartbeatMs;
    }

    public synchronized void sent(long nowMs) {
        nextHeartbeatMs = nowMs + heartbeatIntervalMs;
    }

    public synchronized long timeToNextHeartbeat(long nowMs) {
        return Math.max(0, nextHeartbeatMs - nowMs);
    }

    public long heartbeatIntervalMs() {
        return heartbeatIntervalMs;
    }

    public long maxPollIntervalMs() {
        return maxPollIntervalMs;
    }
}
