package io.fjord.broker.group;

import io.fjord.broker.group.consumer.ClassicMembers;
import io.fjord.broker.group.consumer.ClassicUpgrade;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online upgrade (KIP-848 migration): a Stable classic group whose members all use the consumer protocol type
 * hands its members to a consumer group; the classic group keeps the offsets only and becomes Empty. A group
 * mid-rebalance is refused with a retriable COORDINATOR_NOT_AVAILABLE (the member retries once the rebalance is
 * over). Runs on the shard's thread.
 */
final class ClassicGroupUpgrade {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupUpgrade.class);

    private ClassicGroupUpgrade() {
    }

    /**
     * @param removeMember takes a member out of the classic group (its timers cancelled), as the shard does
     * @param nowMs        the shard clock's time, when the classic group became Empty
     */
    static ClassicUpgrade.Outcome upgrade(ClassicGroup g, ClassicMembers classicInConsumer,
                                          BiConsumer<ClassicGroup, String> removeMember, long nowMs) {
        if (!"consumer".equals(g.protocolType) || g.protocolName == null) {
            return new ClassicUpgrade.Outcome(Errors.GROUP_ID_NOT_FOUND, "Group " + g.groupId + " is not a consumer-protocol group.",
                    null, List.of());
        }
        if (!g.is(GroupState.STABLE)) {
            return new ClassicUpgrade.Outcome(Errors.COORDINATOR_NOT_AVAILABLE, "Group " + g.groupId + " is rebalancing; retry.",
                    null, List.of());
        }
        List<ClassicMembers.Snapshot> members = new ArrayList<>();
        for (GroupMember m : g.members.values()) {
            members.add(new ClassicMembers.Snapshot(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.sessionTimeoutMs,
                    m.rebalanceTimeoutMs, m.protocols, g.protocolName, m.assignment));
        }
        ClassicUpgrade.Outcome out = classicInConsumer.convert(g.groupId, g.generationId, members);
        for (ClassicMembers.Snapshot m : members) removeMember.accept(g, m.memberId());
        g.transitionTo(GroupState.EMPTY);
        g.emptySinceMs = nowMs;
        log.info("group {}: classic group of {} members upgraded to a consumer group at generation {}", g.groupId,
                members.size(), g.generationId);
        return out;
    }
}
