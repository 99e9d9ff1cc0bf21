package io.fjord.metadata.raft;

import io.fjord.metadata.QuorumInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

/**
 * Reads the quorum's state from the Raft leader's own bookkeeping: the term, the commit index and, per follower
 * and listener, the match index and the time since its last answer (Ratis keeps them per log appender, in the
 * same order for both lists). Voters are the configuration's current peers, observers its listeners (broker-only
 * nodes). Only meaningful on the leader.
 */
final class QuorumDescriber {
    private QuorumDescriber() {
    }

    /** The quorum as {@code leader} sees it, or null if it is not the leader. */
    static QuorumInfo describe(RaftServer.Division leader, long nowMs) {
        DivisionInfo info = leader.getInfo();
        if (!info.isLeader()) return null;
        int self = RaftController.nodeIdOf(leader.getId());
        long end = leader.getRaftLog().getLastEntryTermIndex() == null ? 0 : leader.getRaftLog().getLastEntryTermIndex().getIndex() + 1;
        long committed = leader.getRaftLog().getLastCommittedIndex() + 1;
        Map<Integer, QuorumInfo.Replica> byId = new HashMap<>();
        byId.put(self, new QuorumInfo.Replica(self, end, nowMs, nowMs));
        List<RaftProtos.ServerRpcProto> followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
        long[] match = info.getFollowerMatchIndices();
        for (int i = 0; i < followers.size() && i < match.length; i++) {
            RaftProtos.ServerRpcProto f = followers.get(i);
            int id = RaftController.nodeIdOf(org.apache.ratis.protocol.RaftPeerId.valueOf(f.getId().getId()));
            long leo = match[i] + 1;
            long fetched = nowMs - f.getLastRpcElapsedTimeMs();
            byId.put(id, new QuorumInfo.Replica(id, leo, fetched, leo >= committed ? fetched : -1));
        }
        List<QuorumInfo.Replica> voters = new ArrayList<>();
        voters.add(byId.get(self));
        for (RaftPeer p : leader.getRaftConf().getCurrentPeers()) {
            int id = RaftController.nodeIdOf(p.getId());
            if (id != self) voters.add(byId.getOrDefault(id, new QuorumInfo.Replica(id, -1, -1, -1)));
        }
        List<QuorumInfo.Replica> observers = new ArrayList<>();
        for (RaftPeer p : leader.getRaftConf().getCurrentPeers(RaftProtos.RaftPeerRole.LISTENER)) {
            int id = RaftController.nodeIdOf(p.getId());
            observers.add(byId.getOrDefault(id, new QuorumInfo.Replica(id, -1, -1, -1)));
        }
        return new QuorumInfo(self, info.getCurrentTerm(), committed, voters, observers);
    }
}
