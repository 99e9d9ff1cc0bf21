package io.fjord.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client checks that {@code RealKafkaCompatTest} runs against Apache Kafka 4.4, against one Fjord broker. They
 * wait for broker features built on other branches this session: remove the {@code @Disabled} once they are merged.
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
    @Disabled("needs the broker's KIP-848 coordinator (ConsumerGroupHeartbeat, branch kip848)")
    void fjordsConsumerOnTheConsumerGroupProtocolSharesAGroupWithKafkaClients() throws Exception {
        ConsumerProtocolChecks.fjordAndKafkaMembersShareAConsumerProtocolGroup(broker.bootstrap(), "fjord-848", "fjord-848-group");
    }

    @Test
    @Disabled("needs the broker's transactions (branches txncoord and txnlog)")
    void fjordsTransactionalProducerCommitsAbortsCommitsOffsetsAndIsFenced() throws Exception {
        TransactionalProducerChecks.commitsAbortsOffsetsAndFencing(broker.bootstrap(), "fjord-txn", "fjord-txn-group");
    }

    @Test
    @Disabled("needs the broker's transactions (branches txncoord and txnlog)")
    void fjordsReadCommittedConsumerSkipsAbortedTransactions() throws Exception {
        ReadCommittedChecks.readCommittedSkipsAbortedTransactions(broker.bootstrap(), "fjord-read-committed");
    }
}
