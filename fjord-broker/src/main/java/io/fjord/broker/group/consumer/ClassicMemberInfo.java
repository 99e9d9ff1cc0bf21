package io.fjord.broker.group.consumer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a member speaking the classic protocol (JoinGroup/SyncGroup/Heartbeat) inside a consumer group also needs:
 * its session timeout and the protocols it offered, in its order of preference (Kafka's ClassicMemberMetadata).
 * Immutable.
 */
public record ClassicMemberInfo(int sessionTimeoutMs, Map<String, byte[]> protocols) {
    public ClassicMemberInfo {
        protocols = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(protocols));
    }

    /** The member's preferred protocol: the name its JoinGroup and SyncGroup answers carry. */
    public String protocolName() {
        return protocols.isEmpty() ? "" : protocols.keySet().iterator().next();
    }

    boolean sameAs(ClassicMemberInfo o) {
        if (o == null || sessionTimeoutMs != o.sessionTimeoutMs || !protocols.keySet().equals(o.protocols.keySet())) return false;
        for (Map.Entry<String, byte[]> e : protocols.entrySet()) if (!Arrays.equals(e.getValue(), o.protocols.get(e.getKey()))) return false;
        return true;
    }
}
