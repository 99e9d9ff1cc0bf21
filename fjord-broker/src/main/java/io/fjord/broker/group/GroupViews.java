package io.fjord.broker.group;

import io.fjord.broker.group.consumer.ConsumerGroup;
import io.fjord.broker.group.consumer.ConsumerGroupProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What DescribeGroups and ListGroups show of one shard's groups, classic and consumer-protocol alike. Read-only
 * views over the shard's state, built on the shard's thread.
 */
final class GroupViews {
    private GroupViews() {
    }

    /** Null if the group does not exist. */
    static GroupCoordinatorShard.GroupDescription describe(Map<String, ClassicGroup> groups, ConsumerGroupProtocol consumer,
                                                           String groupId) {
        ConsumerGroup cg = consumer.group(groupId);
        if (cg != null) {
            List<GroupCoordinatorShard.MemberDescription> members = new ArrayList<>();
            cg.members().values().forEach(m -> members.add(new GroupCoordinatorShard.MemberDescription(m.memberId(),
                    m.instanceId(), m.clientId(), m.clientHost(), new byte[0], new byte[0])));
            return new GroupCoordinatorShard.GroupDescription(groupId, cg.state().displayName(), "consumer", "", members);
        }
        ClassicGroup group = groups.get(groupId);
        if (group == null) return null;
        List<GroupCoordinatorShard.MemberDescription> members = new ArrayList<>();
        boolean stable = group.is(GroupState.STABLE);
        for (GroupMember m : group.members.values()) {
            byte[] md = group.protocolName == null ? new byte[0] : m.protocols.getOrDefault(group.protocolName, new byte[0]);
            members.add(new GroupCoordinatorShard.MemberDescription(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    stable ? md : new byte[0], stable ? m.assignment : new byte[0]));
        }
        return new GroupCoordinatorShard.GroupDescription(groupId, group.state().displayName(),
                group.protocolType == null ? "" : group.protocolType, stable ? group.protocolName : "", members);
    }

    /** Every live group: classic ones (those converted to the consumer protocol are listed once, as consumer groups). */
    static List<GroupCoordinatorShard.GroupListing> list(Map<String, ClassicGroup> groups, ConsumerGroupProtocol consumer) {
        List<GroupCoordinatorShard.GroupListing> out = new ArrayList<>();
        for (ClassicGroup g : groups.values()) {
            if (g.is(GroupState.DEAD) || consumer.group(g.groupId) != null) continue;
            out.add(new GroupCoordinatorShard.GroupListing(g.groupId, g.protocolType == null ? "" : g.protocolType,
                    g.state().displayName()));
        }
        for (ConsumerGroup cg : consumer.groups()) {
            out.add(new GroupCoordinatorShard.GroupListing(cg.groupId(), "consumer", cg.state().displayName(), "consumer"));
        }
        return out;
    }
}
