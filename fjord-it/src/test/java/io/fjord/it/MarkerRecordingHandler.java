package io.fjord.it;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double for the partition side's WriteTxnMarkers handler, registered only while the broker has none of
 * its own ({@link FjordBroker#withFallbackHandler}): it records each marker it is asked to write and answers as a
 * leader would (NONE where this broker leads the partition, NOT_LEADER_OR_FOLLOWER elsewhere), and for
 * {@code __consumer_offsets} partitions completes the producer's transactional offsets through the group
 * coordinator, as the real handler must. It appends no control batch: read_committed checks need the real one.
 */
final class MarkerRecordingHandler implements ApiHandler {
    record Marker(int broker, long producerId, short producerEpoch, boolean commit, TopicPartition partition) {
    }

    final List<Marker> written = new CopyOnWriteArrayList<>();
    private final FjordBroker broker;

    MarkerRecordingHandler(FjordBroker broker) {
        this.broker = broker;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        List<CompletableFuture<?>> waits = new ArrayList<>();
        for (Struct m : request.getStructs("Markers")) {
            long pid = m.getLong("ProducerId");
            short epoch = m.getShort("ProducerEpoch");
            boolean commit = m.getBool("TransactionResult");
            Struct out = response.child("Markers").set("ProducerId", pid);
            for (Struct t : m.getStructs("Topics")) {
                Struct ot = out.child("Topics").set("Name", t.getString("Name"));
                for (Object o : t.getList("PartitionIndexes")) {
                    TopicPartition tp = new TopicPartition(t.getString("Name"), (Integer) o);
                    Partition p = broker.replicaManager().partition(tp);
                    Struct op = ot.child("Partitions").set("PartitionIndex", tp.partition());
                    if (p == null) {
                        op.set("ErrorCode", Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    } else if (!p.isLeader()) {
                        op.set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code());
                    } else {
                        op.set("ErrorCode", Errors.NONE.code());
                        if (tp.topic().equals("__consumer_offsets")) {
                            waits.add(broker.groupCoordinator().completeTransaction(tp.partition(), pid, epoch, commit)
                                    .whenComplete((v, e) -> {
                                        if (e != null) op.set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code());
                                    }));
                        }
                        written.add(new Marker(broker.config().nodeId(), pid, epoch, commit, tp));
                    }
                    ot.add("Partitions", op);
                }
                out.add("Topics", ot);
            }
            response.add("Markers", out);
        }
        return CompletableFuture.allOf(waits.stream().map(f -> f.handle((v, e) -> null)).toArray(CompletableFuture[]::new))
                .thenApply(v -> response);
    }
}
