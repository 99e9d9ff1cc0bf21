package io.fjord.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client checks that {@code RealKafkaCompatTest} runs against Apache Kafka 4.4, against one Fjord broker: Fjord's
 * consumer on the consumer group protocol (KIP-848) in one group with kafka-clients members (issue 11, check 4), and
 * Fjord's transactional producer and read_committed consumer against Fjord's transaction coordinator.
 */
class ClientChecksOnFjordBrokerTest {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TestBroker(dir, java.util.Map.of("group.initial.rebalance.delay.ms", "0")).start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    @Test
    void fjordsConsumerOnTheConsumerGroupProtocolSharesAGroupWithKafkaClients() throws Exception {
        ConsumerProtocolChecks.fjordAndKafkaMembersShareAConsumerProtocolGroup(broker.bootstrap(), "fjord-848", "fjord-848-group");
    }

    @Test
    void fjordsTransactionalProducerCommitsAbortsCommitsOffsetsAndIsFenced() throws Exception {
        TransactionalProducerChecks.commitsAbortsOffsetsAndFencing(broker.bootstrap(), "fjord-txn", "fjord-txn-group");
    }

    @Test
    void fjordsReadCommittedConsumerSkipsAbortedTransactions() throws Exception {
        ReadCommittedChecks.readCommittedSkipsAbortedTransactions(broker.bootstrap(), "fjord-read-committed");
    }
}
