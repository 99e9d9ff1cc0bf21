package io.fjord.client.admin;

import java.util.List;

/** DescribeGroups' answer for one group: state, protocol type, chosen protocol (the assignor) and members. */
public record GroupDescription(String groupId, String state, String protocolType, String protocol, List<MemberDescription> members) {
}
