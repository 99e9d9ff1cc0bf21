package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fjord topic describe --under-replicated-partitions / --unavailable-partitions} on a three-node cluster that
 * loses a node: once it is fenced, every partition it replicated with others has a shorter ISR (under-replicated) and
 * the single-replica partition it held has no leader (unavailable), and each option prints exactly those lines.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TopicDescribeReportsTest {
    @TempDir
    Path dir;

    @Test
    void reportOptionsFollowAStoppedNode() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start()) {
            int solo3;
            try (Admin admin = Clients.admin(cluster.bootstrap())) {
                admin.createTopics(List.of(new NewTopic("wide", 2, (short) 3), new NewTopic("solo", 3, (short) 1)))
                        .all().get(60, TimeUnit.SECONDS);
                cluster.awaitTopicEverywhere("wide");
                cluster.awaitTopicEverywhere("solo");
                // One replica per node for "solo": find the partition on node 3.
                solo3 = admin.describeTopics(List.of("solo")).allTopicNames().get(60, TimeUnit.SECONDS).get("solo")
                        .partitions().stream().filter(p -> p.replicas().stream().map(Node::id).toList().equals(List.of(3)))
                        .mapToInt(TopicPartitionInfo::partition).findFirst().orElseThrow();
            }
            // Healthy: nothing to report.
            for (String option : List.of("--under-replicated-partitions", "--unavailable-partitions")) {
                FjordCliTest.Result r = FjordCliTest.run(null, "topic", "describe", "wide", "solo", option,
                        "--bootstrap-server", cluster.bootstrap());
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.out()).as(option + " while healthy").isEmpty();
            }

            cluster.stop(3);
            String bootstrap = cluster.bootstrap();
            AtomicReference<FjordCliTest.Result> under = new AtomicReference<>();
            Awaitility.await("node 3 fenced: both partitions of 'wide' under-replicated")
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                        under.set(FjordCliTest.run(null, "topic", "describe", "wide", "solo",
                                "--under-replicated-partitions", "--bootstrap-server", bootstrap));
                        return under.get().code() == 0 && under.get().out().lines().count() == 2;
                    });
            List<String> lines = under.get().out().lines().toList();
            assertThat(lines).allSatisfy(l -> assertThat(l).startsWith("\tTopic: wide\t").contains("Replicas: ")
                    .doesNotContain("Isr: 1,2,3").doesNotContain("Leader: 3\t"));
            assertThat(lines).extracting(l -> l.split("\t")[2]).containsExactly("Partition: 0", "Partition: 1");
            assertThat(under.get().out()).as("no topic lines with a report option").doesNotContain("PartitionCount");

            FjordCliTest.Result unavailable = FjordCliTest.run(null, "topic", "describe", "wide", "solo",
                    "--unavailable-partitions", "--bootstrap-server", bootstrap);
            assertThat(unavailable.code()).as(unavailable.err()).isZero();
            assertThat(unavailable.out().lines()).containsExactly(
                    "\tTopic: solo\tPartition: " + solo3 + "\tLeader: none\tReplicas: 3\tIsr: 3");

            // Without a report option everything is printed, topic lines included.
            FjordCliTest.Result all = FjordCliTest.run(null, "topic", "describe", "wide", "solo", "--bootstrap-server", bootstrap);
            assertThat(all.code()).as(all.err()).isZero();
            assertThat(all.out().lines().filter(l -> l.startsWith("Topic: "))).hasSize(2);
            assertThat(all.out().lines().filter(l -> l.startsWith("\tTopic: "))).hasSize(5);
        }
    }
}
