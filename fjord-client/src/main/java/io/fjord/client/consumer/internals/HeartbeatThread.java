package io.fjord.client.consumer.internals;

import io.fjord.client.common.Time;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.RequestSender;
import io.fjord.protocol.api.HeartbeatApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a STABLE member alive: a Heartbeat every {@code heartbeat.interval.ms}; the coordinator is dropped when
 * no answer came within {@code session.timeout.ms}; the member leaves the group when poll was not called within
 * {@code max.poll.interval.ms}. The answers ask for a rejoin, reset the generation or lose the coordinator. Runs
 * its own daemon thread, waiting on the {@link GroupMembership} monitor (so a change of state wakes it).
 */
final class HeartbeatThread implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatThread.class);
    private static final long MAX_WAIT_MS = 1000;

    private final ConsumerCoordinator coordinator;
    private final GroupMembership membership;
    private final Heartbeat heartbeat;
    private final CoordinatorLookup lookup;
    private final RequestSender network;
    private final Time time;
    private final String groupId;
    private final String groupInstanceId;
    private final Thread thread;
    private volatile boolean closed;

    HeartbeatThread(ConsumerCoordinator coordinator, GroupMembership membership, Heartbeat heartbeat,
                    CoordinatorLookup lookup, RequestSender network, Time time, String groupId, String groupInstanceId,
                    String threadName) {
        this.coordinator = coordinator;
        this.membership = membership;
        this.heartbeat = heartbeat;
        this.lookup = lookup;
        this.network = network;
        this.time = time;
        this.groupId = groupId;
        this.groupInstanceId = groupInstanceId;
        this.thread = new Thread(this, threadName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (!closed) {
            try {
                synchronized (membership) {
                    long now = time.milliseconds();
                    long wait = membership.state() == MemberState.STABLE ? Math.max(1, heartbeat.timeToNextHeartbeat(now))
                            : heartbeat.heartbeatIntervalMs();
                    membership.wait(Math.min(wait, MAX_WAIT_MS));
                    if (closed) return;
                    beat(time.milliseconds());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("group {}: heartbeat failed", groupId, e);
            }
        }
    }

    /** One turn: checks the timers and sends a heartbeat if due. Caller holds the membership monitor. */
    private void beat(long now) {
        if (membership.state() != MemberState.STABLE || lookup.coordinator() == null) return;
        if (heartbeat.pollTimeoutExpired(now)) {
            coordinator.onPollTimeout();
            return;
        }
        if (heartbeat.sessionTimeoutExpired(now)) {
            lookup.markUnknown("no heartbeat answer within session.timeout.ms");
            return;
        }
        if (!heartbeat.shouldHeartbeat(now)) return;
        heartbeat.sent(now);
        int gen = membership.generation();
        String id = membership.memberId();
        network.send(lookup.coordinator(), HeartbeatApi.SPEC, HeartbeatApi.SPEC.highest(), v -> HeartbeatApi.SPEC.newRequest()
                        .set("GroupId", groupId).set("GenerationId", gen).set("MemberId", id).set("GroupInstanceId", groupInstanceId), true)
                .whenComplete((resp, err) -> onResponse(gen, resp, err));
    }

    /** A heartbeat's answer (I/O thread): keeps the member, asks it to rejoin, resets it, or loses the coordinator. */
    private void onResponse(int gen, ClientResponse resp, Throwable err) {
        synchronized (membership) {
            if (gen != membership.generation() || membership.state() != MemberState.STABLE) return;
            if (err != null) {
                lookup.markUnknown("heartbeat failed: " + err);
                return;
            }
            short code = resp.body().getShort("ErrorCode");
            switch (code) {
                case 0 -> heartbeat.heard(time.milliseconds());
                case 27 -> {
                    heartbeat.heard(time.milliseconds());
                    coordinator.requestRejoin("heartbeat: REBALANCE_IN_PROGRESS");
                }
                case 22 -> coordinator.resetGeneration(false, "heartbeat: ILLEGAL_GENERATION");
                case 25 -> coordinator.resetGeneration(true, "heartbeat: UNKNOWN_MEMBER_ID");
                case 82 -> coordinator.fail(ClientErrors.exception(code, "group.instance.id " + groupInstanceId + " was fenced"));
                default -> {
                    if (CoordinatorLookup.isCoordinatorError(code)) lookup.markUnknown("heartbeat: " + ClientErrors.name(code));
                }
            }
        }
    }

    void close() {
        closed = true;
        synchronized (membership) {
            membership.notifyAll();
        }
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
