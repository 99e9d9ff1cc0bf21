package io.fjord.metadata.raft;

import io.fjord.metadata.VoterChangeResult;
import io.fjord.protocol.api.Errors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AddRaftVoter / RemoveRaftVoter (KIP-853) as Ratis membership changes. A voter is a peer of the Raft
 * configuration, an observer one of its listeners (a broker-only node). Adding promotes a listener to a peer at the
 * same address (it already holds the log, so the joint-consensus catch-up is short); removing demotes a peer to a
 * listener, so a removed node that still runs keeps following the log as an observer (as a removed Kafka controller
 * does) and can be added back. Each change is a compare-and-set against the configuration last seen here, retried
 * while another change is in flight, within the caller's time budget. Only one node is changed at a time (Raft's
 * single-server change rule; Ratis runs it as joint consensus).
 */
final class VoterChanges {
    private static final Logger log = LoggerFactory.getLogger(VoterChanges.class);

    /** This node's view of the Raft configuration. */
    interface ConfigurationSource {
        RaftConfiguration current() throws IOException;
    }

    private final RaftClient client;
    private final ConfigurationSource conf;

    VoterChanges(RaftClient client, ConfigurationSource conf) {
        this.client = client;
        this.conf = conf;
    }

    /** Promotes observer {@code id} (a Raft listener at {@code host:port}) to voter. */
    VoterChangeResult add(int id, String host, int port, long timeoutMs) throws IOException, InterruptedException {
        return change(timeoutMs, (voters, listeners) -> {
            if (find(voters, id) != null) return Plan.refuse(Errors.DUPLICATE_VOTER, "node " + id + " is already a voter");
            RaftPeer observer = find(listeners, id);
            if (observer == null) {
                return Plan.refuse(Errors.INVALID_REQUEST, "node " + id + " does not follow the metadata quorum; start it as a"
                        + " broker-only node (it then joins as an observer) before adding it as a voter");
            }
            String asked = host + ":" + port;
            if (!observer.getAddress().equals(asked)) {
                return Plan.refuse(Errors.INVALID_REQUEST, "node " + id + " follows the metadata quorum at "
                        + observer.getAddress() + ", not " + asked + " (its Raft endpoint)");
            }
            List<RaftPeer> nextVoters = new ArrayList<>(voters);
            nextVoters.add(RaftPeer.newBuilder().setId(observer.getId()).setAddress(observer.getAddress()).build());
            List<RaftPeer> nextListeners = new ArrayList<>(listeners);
            nextListeners.remove(observer);
            return new Plan(nextVoters, nextListeners, null);
        });
    }

    /** Demotes voter {@code id} to observer. */
    VoterChangeResult remove(int id, long timeoutMs) throws IOException, InterruptedException {
        return change(timeoutMs, (voters, listeners) -> {
            RaftPeer voter = find(voters, id);
            if (voter == null) return Plan.refuse(Errors.VOTER_NOT_FOUND, "node " + id + " is not a voter");
            if (voters.size() == 1) return Plan.refuse(Errors.INVALID_REQUEST, "node " + id + " is the only voter");
            List<RaftPeer> nextVoters = new ArrayList<>(voters);
            nextVoters.remove(voter);
            List<RaftPeer> nextListeners = new ArrayList<>(listeners);
            nextListeners.add(RaftPeer.newBuilder().setId(voter.getId()).setAddress(voter.getAddress())
                    .setStartupRole(RaftPeerRole.LISTENER).build());
            return new Plan(nextVoters, nextListeners, null);
        });
    }

    private record Plan(List<RaftPeer> voters, List<RaftPeer> listeners, VoterChangeResult refusal) {
        static Plan refuse(Errors error, String message) {
            return new Plan(null, null, new VoterChangeResult(error, message));
        }
    }

    private interface Planner {
        Plan plan(List<RaftPeer> voters, List<RaftPeer> listeners);
    }

    private VoterChangeResult change(long timeoutMs, Planner planner) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Object failure = "no attempt";
        while (System.nanoTime() < deadline) {
            RaftConfiguration c = conf.current();
            if (!c.getPreviousPeers().isEmpty()) {
                failure = "a configuration change is in progress";
            } else {
                List<RaftPeer> voters = new ArrayList<>(c.getCurrentPeers());
                List<RaftPeer> listeners = new ArrayList<>(c.getCurrentPeers(RaftPeerRole.LISTENER));
                Plan plan = planner.plan(voters, listeners);
                if (plan.refusal() != null) return plan.refusal();
                RaftClientReply r = client.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                        .setServersInCurrentConf(voters).setListenersInCurrentConf(listeners)
                        .setServersInNewConf(plan.voters()).setListenersInNewConf(plan.listeners())
                        .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build());
                if (r.isSuccess()) {
                    log.info("metadata quorum voters now {} (observers {})", ids(plan.voters()), ids(plan.listeners()));
                    return VoterChangeResult.ok();
                }
                failure = r.getException(); // e.g. the configuration seen here was outdated: read it again
            }
            log.debug("voter change not yet made: {}", failure);
            Thread.sleep(100);
        }
        return new VoterChangeResult(Errors.REQUEST_TIMED_OUT, "the voter change was not committed in time: " + failure);
    }

    private static RaftPeer find(Collection<RaftPeer> peers, int id) {
        for (RaftPeer p : peers) if (RaftController.nodeIdOf(p.getId()) == id) return p;
        return null;
    }

    private static List<Integer> ids(Collection<RaftPeer> peers) {
        return peers.stream().map(p -> RaftController.nodeIdOf(p.getId())).sorted().toList();
    }
}
