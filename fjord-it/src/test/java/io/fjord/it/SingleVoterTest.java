package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.metadata.raft.RaftController;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One node, one voter: start-up time, and snapshots that keep the Raft log short across restarts. */
class SingleVoterTest {
    @TempDir
    Path dir;

    @Test
    void startsFastAndRestartsFromSnapshotPlusShortTail() throws Exception {
        int raftPort = Clients.freePort();
        Map<String, String> settings = Map.of("controller.quorum.voters", "1@127.0.0.1:" + raftPort,
                "fjord.metadata.snapshot.entries", "20", "log.cleaner.enable", "false");
        TestBroker node = new TestBroker(dir, settings);
        try {
            long t0 = System.nanoTime();
            node.start();
            long startMs = (System.nanoTime() - t0) / 1_000_000;
            long t1 = System.nanoTime();
            node.broker().controller().createTopic("first", List.of(List.of(1)), Map.of());
            long writeMs = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("single voter: start (port open, registered) %d ms, first topic committed %d ms later%n",
                    startMs, writeMs);
            try (Admin admin = Clients.admin(node.bootstrap())) {
                for (int i = 0; i < 45; i++) {
                    admin.createTopics(List.of(new NewTopic("t" + i, 1, (short) 1))).all().get();
                }
            }
            node.restart();
            RaftController c = (RaftController) node.broker().controller();
            assertThat(c.snapshotLoadedIndex()).isGreaterThan(20);
            assertThat(c.entriesAppliedSinceStart()).isLessThan(25);
            assertThat(c.image().topics()).hasSize(46); // __consumer_offsets comes with the first FindCoordinator
            assertThat(c.image().topic("t44").partition(0).leader()).isEqualTo(1);
        } finally {
            node.close();
        }
    }
}
