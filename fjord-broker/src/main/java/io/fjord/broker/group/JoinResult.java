package io.fjord.broker.group;

import io.fjord.protocol.api.Errors;
import java.util.List;

/** The answer to a JoinGroup: the leader also gets every member's metadata for the chosen protocol. */
public record JoinResult(Errors error, String memberId, int generationId, String protocolType, String protocolName,
                         String leaderId, boolean skipAssignment, List<Member> members) {
    public record Member(String memberId, String groupInstanceId, byte[] metadata) {
    }

    static JoinResult error(Errors e, String memberId) {
        return new JoinResult(e, memberId, -1, null, null, "", false, List.of());
    }
}
