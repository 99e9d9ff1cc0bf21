package io.fjord.client.consumer.internals;

import io.fjord.client.common.ExponentialBackoff;
import io.fjord.client.common.Node;
import io.fjord.client.common.Time;
import io.fjord.client.errors.ClientErrors;
import io.fjord.client.network.ClientResponse;
import io.fjord.client.network.NetworkClient;
import io.fjord.protocol.api.FindCoordinatorApi;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which broker coordinates the group: FindCoordinator to any broker, retried after the retry backoff until found;
 * forgotten on a coordinator error or a lost connection ({@link #markUnknown}). The coordinator gets a connection of
 * its own (its node id mapped to {@code Integer.MAX_VALUE - id}), as in Kafka's consumer, so a JoinGroup parked at
 * the broker does not hold up fetches answered in order on the same connection. Thread-safe (its own monitor; it
 * never takes another lock while holding it, except the leaf {@link Heartbeat}).
 */
public final class CoordinatorLookup {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorLookup.class);

    private final String groupId;
    private final NetworkClient network;
    private final Time time;
    private final ExponentialBackoff retryBackoff;
    private final WakeupTrigger wakeup;
    private final Heartbeat heartbeat;
    private Integer coordinatorId;
    private CompletableFuture<ClientResponse> lookup;

    public CoordinatorLookup(String groupId, NetworkClient network, Time time, ExponentialBackoff retryBackoff,
                             WakeupTrigger wakeup, Heartbeat heartbeat) {
        this.groupId = groupId;
        this.network = network;
        this.time = time;
        this.retryBackoff = retryBackoff;
        this.wakeup = wakeup;
        this.heartbeat = heartbeat;
    }

    /** The coordinator's connection id, or null while unknown. */
    public synchronized Integer coordinator() {
        return coordinatorId;
    }

    public synchronized void markUnknown(String why) {
        if (coordinatorId != null) log.info("group {}: coordinator unknown ({})", groupId, why);
        coordinatorId = null;
    }

    /** Finds the coordinator, retrying until the deadline; true when known. */
    public boolean ensureKnown(long deadline) {
        int failures = 0;
        while (true) {
            CompletableFuture<ClientResponse> f;
            synchronized (this) {
                if (coordinatorId != null) return true;
                if (lookup == null) {
                    Integer node = network.leastLoadedNode();
                    if (node != null) {
                        lookup = network.send(node, FindCoordinatorApi.SPEC, FindCoordinatorApi.SPEC.highest(), v -> {
                            Struct req = FindCoordinatorApi.SPEC.newRequest().set("KeyType", (byte) 0);
                            return v >= 4 ? req.set("CoordinatorKeys", List.of(groupId)) : req.set("Key", groupId);
                        }, true);
                    }
                }
                f = lookup;
            }
            if (f == null) {
                if (!backoff(deadline, Math.max(1, network.timeToNextConnectAttempt()))) return false;
                continue;
            }
            ClientResponse r;
            try {
                if (!wakeup.await(f, deadline - time.milliseconds())) return false;
                r = f.join();
            } catch (ExecutionException e) {
                r = null;
            }
            synchronized (this) {
                if (lookup == f) lookup = null;
                if (r != null && found(r)) return true;
            }
            if (!backoff(deadline, retryBackoff.backoffMs(++failures))) return false;
        }
    }

    private boolean found(ClientResponse r) {
        Struct b = r.body();
        Struct c = r.version() >= 4 ? b.getStructs("Coordinators").get(0) : b;
        short code = c.getShort("ErrorCode");
        if (code != 0) {
            if (!ClientErrors.isRetriable(code)) throw ClientErrors.exception(code, "finding the coordinator of group " + groupId);
            return false;
        }
        int connId = Integer.MAX_VALUE - c.getInt("NodeId");
        network.updateNodes(List.of(new Node(connId, c.getString("Host"), c.getInt("Port"))));
        coordinatorId = connId;
        heartbeat.heard(time.milliseconds());
        return true;
    }

    private boolean backoff(long deadline, long ms) {
        long left = deadline - time.milliseconds();
        if (left <= 0) return false;
        wakeup.maybeTrigger();
        time.sleep(Math.min(left, ms));
        return time.milliseconds() < deadline;
    }

    static boolean isCoordinatorError(short code) {
        return code == 14 || code == 15 || code == 16; // COORDINATOR_LOAD_IN_PROGRESS, _NOT_AVAILABLE, NOT_COORDINATOR
    }
}
