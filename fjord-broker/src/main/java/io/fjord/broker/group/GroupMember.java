package io.fjord.broker.group;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One member of a classic group: who it is, the protocols it offered, its assignment, and the requests of it that
 * wait for the rebalance to progress. Owned by its group's shard (not thread-safe).
 */
final class GroupMember {
    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    String protocolType;
    /** Protocol name to metadata bytes, in the member's order of preference. */
    Map<String, byte[]> protocols = new LinkedHashMap<>();
    byte[] assignment = new byte[0];
    CompletableFuture<JoinResult> awaitingJoin;
    CompletableFuture<SyncResult> awaitingSync;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost, int sessionTimeoutMs,
                int rebalanceTimeoutMs, String protocolType, Map<String, byte[]> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocolType = protocolType;
        this.protocols = new LinkedHashMap<>(protocols);
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    boolean sameProtocols(Map<String, byte[]> other) {
        if (!other.keySet().equals(protocols.keySet())) return false;
        for (Map.Entry<String, byte[]> e : other.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), protocols.get(e.getKey()))) return false;
        }
        return true;
    }
}
