package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeQuorum (issue 13): {@code kafka-metadata-quorum.sh describe --status / --replication} and kafka-clients'
 * {@code Admin.describeMetadataQuorum} through every node of three, the leader being the active controller, every
 * voter listed with a log end offset that reaches the high watermark; after the leader is stopped the survivors
 * name the new one.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MetadataQuorumTest {
    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    private static QuorumInfo describe(String bootstrap) throws Exception {
        try (Admin a = Clients.admin(bootstrap)) {
            return a.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyNodeDescribesTheQuorumAsItsLeaderSeesIt() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of()).start();
        int leader = cluster.activeController();
        for (int id : cluster.running()) {
            String bootstrap = cluster.node(id).bootstrap();
            await("every voter caught up, seen through node " + id).atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                QuorumInfo q = describe(bootstrap);
                assertThat(q.leaderId()).isEqualTo(leader);
                assertThat(q.leaderEpoch()).isPositive();
                assertThat(q.highWatermark()).isPositive();
                assertThat(q.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactlyInAnyOrder(1, 2, 3);
                assertThat(q.voters()).allSatisfy(v -> assertThat(v.logEndOffset()).isGreaterThanOrEqualTo(q.highWatermark()));
                assertThat(q.nodes()).containsKeys(1, 2, 3);
            });

            KafkaTool.Result status = KafkaTool.run(dir.resolve("tools"), "org.apache.kafka.tools.MetadataQuorumCommand",
                    Duration.ofSeconds(60), List.of("--bootstrap-server", bootstrap, "describe", "--status"));
            assertThat(status.exitCode()).as(status.output()).isZero();
            assertThat(status.output()).containsPattern("LeaderId:\\s+" + leader).containsPattern("CurrentVoters:.*\"id\":\\s*1")
                    .containsPattern("HighWatermark:\\s+[1-9]");
            KafkaTool.Result replication = KafkaTool.run(dir.resolve("tools"), "org.apache.kafka.tools.MetadataQuorumCommand",
                    Duration.ofSeconds(60), List.of("--bootstrap-server", bootstrap, "describe", "--replication"));
            assertThat(replication.exitCode()).as(replication.output()).isZero();
            assertThat(replication.output()).contains("Leader").contains("Follower");
            assertThat(replication.output().lines().filter(l -> l.matches("^\\s*[123]\\s+.*")).count()).as(replication.output()).isEqualTo(3);
        }

        cluster.stop(leader);
        int survivor = cluster.running().get(0);
        await("the survivors name a new leader").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            QuorumInfo q = describe(cluster.node(survivor).bootstrap());
            assertThat(q.leaderId()).isNotEqualTo(leader).isIn(cluster.running());
        });
    }
}
