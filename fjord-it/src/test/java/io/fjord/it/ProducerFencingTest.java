package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.InitProducerIdApi;
import io.fjord.protocol.api.ProduceApi;
import io.fjord.protocol.record.CompressionType;
import io.fjord.protocol.record.RecordBatchBuilder;
import io.fjord.protocol.types.MemoryRecords;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** InitProducerId and the broker's producer checks with raw requests: fencing, gaps, duplicates, restarts. */
class ProducerFencingTest {

    private static Struct initProducerId(RawClient c, short version, String transactionalId, long pid, short epoch)
            throws IOException {
        Struct req = InitProducerIdApi.SPEC.newRequest().set("TransactionalId", transactionalId)
                .set("TransactionTimeoutMs", 60_000);
        if (version >= 3) req.set("ProducerId", pid).set("ProducerEpoch", epoch);
        return c.request(InitProducerIdApi.SPEC, version, req);
    }

    private static ByteBuffer batch(long pid, short epoch, int seq, int records) {
        RecordBatchBuilder b = new RecordBatchBuilder(0, CompressionType.NONE).producer(pid, epoch, seq);
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("s" + (seq + i)).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    /** Produce v11, acks=-1, one batch to partition 0; returns the partition response. */
    private static Struct produce(RawClient c, String topic, ByteBuffer batch) throws IOException {
        Struct req = ProduceApi.SPEC.newRequest().set("Acks", (short) -1).set("TimeoutMs", 30_000);
        Struct td = req.child("TopicData").set("Name", topic);
        td.add("PartitionData", td.child("PartitionData").set("Index", 0).set("Records", MemoryRecords.wrap(batch)));
        req.add("TopicData", td);
        return c.request(ProduceApi.SPEC, (short) 11, req).getStructs("Responses").get(0)
                .getStructs("PartitionResponses").get(0);
    }

    private static void assertError(Struct pr, Errors e) {
        assertThat(pr.getShort("ErrorCode")).as(String.valueOf(pr)).isEqualTo(e.code());
    }

    @Test
    void fencingGapsDuplicatesAndUniqueIdsAcrossRestarts(@TempDir Path tmp) throws Exception {
        try (TestBroker b = new TestBroker(tmp.resolve("data")).start()) {
            Clients.createTopic(b.bootstrap(), "raw", 1);
            long pid;
            try (RawClient c = new RawClient(b.port())) {
                Struct r = initProducerId(c, (short) 0, null, -1, (short) -1);
                assertThat(r.getShort("ErrorCode")).isZero();
                pid = r.getLong("ProducerId");
                assertThat(r.getShort("ProducerEpoch")).isZero();
                Struct other = initProducerId(c, (short) 4, null, -1, (short) -1);
                long otherPid = other.getLong("ProducerId");
                assertThat(otherPid).isNotEqualTo(pid);

                assertError(produce(c, "raw", batch(pid, (short) 0, 0, 3)), Errors.NONE);
                assertError(produce(c, "raw", batch(otherPid, (short) 0, 0, 1)), Errors.NONE);
                // Retry of the first batch: its original offset, nothing appended.
                Struct dup = produce(c, "raw", batch(pid, (short) 0, 0, 3));
                assertError(dup, Errors.NONE);
                assertThat(dup.getLong("BaseOffset")).isZero();
                // A gap.
                assertError(produce(c, "raw", batch(pid, (short) 0, 7, 1)), Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);

                // KIP-360 epoch bump: same id, epoch 1; the new epoch starts at sequence 0.
                Struct bumped = initProducerId(c, (short) 5, null, pid, (short) 0);
                assertThat(bumped.getLong("ProducerId")).isEqualTo(pid);
                assertThat(bumped.getShort("ProducerEpoch")).isEqualTo((short) 1);
                assertError(produce(c, "raw", batch(pid, (short) 1, 3, 1)), Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
                assertError(produce(c, "raw", batch(pid, (short) 1, 0, 1)), Errors.NONE);
                // The old epoch is fenced now.
                assertError(produce(c, "raw", batch(pid, (short) 0, 3, 1)), Errors.INVALID_PRODUCER_EPOCH);

                // Every other producer carries on.
                Struct ok = produce(c, "raw", batch(otherPid, (short) 0, 1, 2));
                assertError(ok, Errors.NONE);
                assertThat(ok.getLong("BaseOffset")).isEqualTo(5);
                assertError(produce(c, "raw", batch(-1, (short) -1, -1, 1)), Errors.NONE);

                // A transactional id goes to its coordinator, which has to be found first (FindCoordinator creates
                // the transaction log): until then this broker coordinates nothing.
                Struct txn = initProducerId(c, (short) 4, "my-txn", -1, (short) -1);
                assertThat(txn.getShort("ErrorCode")).isEqualTo(Errors.NOT_COORDINATOR.code());
                assertThat(txn.getLong("ProducerId")).isEqualTo(-1L);
            }
            b.restart();
            try (RawClient c = new RawClient(b.port())) {
                // Ids come from a new durable block: never one issued before the restart.
                long next = initProducerId(c, (short) 2, null, -1, (short) -1).getLong("ProducerId");
                assertThat(next).isGreaterThan(pid + 1);
                // State came back: the retry is still a duplicate and the fenced epoch stays fenced.
                Struct dup = produce(c, "raw", batch(pid, (short) 1, 0, 1));
                assertError(dup, Errors.NONE);
                assertThat(dup.getLong("BaseOffset")).isEqualTo(4);
                assertError(produce(c, "raw", batch(pid, (short) 0, 3, 1)), Errors.INVALID_PRODUCER_EPOCH);
            }
        }
    }
}
