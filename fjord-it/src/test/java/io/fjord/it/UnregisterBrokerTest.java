package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.PartitionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.BrokerIdNotRegisteredException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.PreferredLeaderNotAvailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * UnregisterBroker (issue 13): decommissioning a stopped broker of three with {@code kafka-cluster.sh unregister}
 * (kafka-tools' ClusterTool) and {@code Admin.unregisterBroker}. The registration goes from every node's image and
 * from DescribeCluster/Metadata; partitions keep the id in their replica lists (as Kafka) while it leads nothing and
 * is in no ISR; new topics are placed on the remaining brokers only; a preferred election towards it is refused;
 * produce and consume go on. An unknown id answers BROKER_ID_NOT_REGISTERED; a live broker is not refused (as in
 * Kafka) and registers again on its next heartbeat.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UnregisterBrokerTest {
    @TempDir
    Path dir;
    TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void aStoppedBrokerIsDecommissionedAndTheClusterGoesOn() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of()).start();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.createTopics(List.of(new NewTopic("before", 3, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        cluster.awaitTopicEverywhere("before");
        // The decommissioned node is one that is not the active controller (its stop then costs no election).
        int gone = cluster.activeController() == 3 ? 2 : 3;
        cluster.stop(gone);
        List<Integer> left = cluster.running();
        String bootstrap = cluster.bootstrap();

        try (Admin admin = Clients.admin(bootstrap)) {
            assertThatThrownBy(() -> admin.unregisterBroker(99).all().get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BrokerIdNotRegisteredException.class);
        }

        KafkaTool.Result unregister = KafkaTool.run(dir.resolve("tools"), "org.apache.kafka.tools.ClusterTool",
                Duration.ofSeconds(60), List.of("unregister", "--bootstrap-server", bootstrap, "--id", String.valueOf(gone)));
        assertThat(unregister.exitCode()).as(unregister.output()).isZero();

        await("broker " + gone + " gone from every image").atMost(Duration.ofSeconds(60)).until(() -> {
            for (int id : left) {
                if (cluster.node(id).broker().controller().image().broker(gone) != null) return false;
            }
            return true;
        });
        ClusterImage image = cluster.node(left.get(0)).broker().controller().image();
        for (PartitionState p : image.topic("before").partitions().values()) {
            assertThat(p.replicas()).as("partition %d keeps its replica list", p.partition()).contains(gone).hasSize(3);
            assertThat(p.isr()).as("partition %d ISR", p.partition()).doesNotContain(gone).isNotEmpty();
            assertThat(p.leader()).as("partition %d leader", p.partition()).isIn(left);
        }

        try (Admin admin = Clients.admin(bootstrap)) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id)
                    .containsExactlyInAnyOrderElementsOf(left);
            TopicDescription before = admin.describeTopics(List.of("before")).allTopicNames().get(30, TimeUnit.SECONDS).get("before");
            for (TopicPartitionInfo p : before.partitions()) {
                assertThat(p.replicas()).extracting(Node::id).contains(gone);
                assertThat(p.isr()).extracting(Node::id).doesNotContain(gone);
                assertThat(p.leader().id()).isIn(left);
            }

            // Placement uses the registered brokers only.
            admin.createTopics(List.of(new NewTopic("after", 4, (short) 2))).all().get(60, TimeUnit.SECONDS);
            cluster.awaitTopicEverywhere("after");
            for (PartitionState p : cluster.node(left.get(0)).broker().controller().image().topic("after").partitions().values()) {
                assertThat(p.replicas()).containsExactlyInAnyOrderElementsOf(left);
            }
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("too-wide", 1, (short) 3))).all()
                    .get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidReplicationFactorException.class);

            // A partition whose preferred leader was the decommissioned broker cannot elect it.
            TopicPartition preferredGone = null;
            for (PartitionState p : image.topic("before").partitions().values()) {
                if (p.replicas().get(0) == gone) preferredGone = new TopicPartition("before", p.partition());
            }
            assertThat(preferredGone).as("placement gave broker %d a preferred leadership", gone).isNotNull();
            TopicPartition tp = preferredGone;
            assertThatThrownBy(() -> admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions()
                    .get(30, TimeUnit.SECONDS).get(tp).ifPresent(e -> {
                        throw new RuntimeException(e);
                    })).hasCauseInstanceOf(PreferredLeaderNotAvailableException.class);
        }

        // Writes with acks=all and reads go on in every partition.
        List<TopicPartition> parts = new ArrayList<>();
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
            for (int p = 0; p < 3; p++) {
                parts.add(new TopicPartition("before", p));
                for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("before", p, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(Clients.readFromStart(bootstrap, parts, 30)).hasSize(30);

        KafkaTool.Result again = KafkaTool.run(dir.resolve("tools"), "org.apache.kafka.tools.ClusterTool",
                Duration.ofSeconds(60), List.of("unregister", "--bootstrap-server", bootstrap, "--id", String.valueOf(gone)));
        assertThat(again.exitCode()).as(again.output()).isNotZero();
        assertThat(again.output()).containsIgnoringCase("not").containsIgnoringCase("registered");
    }

    @Test
    void aLiveBrokerIsNotRefusedAndRegistersAgain() throws Exception {
        cluster = new TestCluster(dir, 3, Map.of()).start();
        int live = cluster.activeController() == 3 ? 2 : 3;
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            admin.unregisterBroker(live).all().get(60, TimeUnit.SECONDS);
        }
        // Its next heartbeat finds no registration, so it registers again: every node sees it back, unfenced.
        cluster.awaitEveryNodeSeesAllBrokers();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            await("broker " + live + " in DescribeCluster again").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id).contains(live));
        }
    }
}
