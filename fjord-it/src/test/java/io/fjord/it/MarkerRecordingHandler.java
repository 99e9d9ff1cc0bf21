package io.fjord.it;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Wraps a broker's real WriteTxnMarkers handler ({@link FjordBroker#withHandlerWrapper}): records every marker the
 * real handler answered NONE for, and while {@code refuse} is true answers every marker NOT_LEADER_OR_FOLLOWER
 * without passing it on (a leader the coordinator cannot get its markers to).
 */
final class MarkerRecordingHandler implements ApiHandler {
    record Marker(int broker, long producerId, short producerEpoch, boolean commit, TopicPartition partition) {
    }

    final List<Marker> written;
    private final FjordBroker broker;
    private final ApiHandler real;
    private final BooleanSupplier refuse;

    MarkerRecordingHandler(FjordBroker broker, ApiHandler real) {
        this(broker, real, new CopyOnWriteArrayList<>(), () -> false);
    }

    MarkerRecordingHandler(FjordBroker broker, ApiHandler real, List<Marker> written, BooleanSupplier refuse) {
        this.broker = broker;
        this.real = real;
        this.written = written;
        this.refuse = refuse;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        if (refuse.getAsBoolean()) {
            Struct response = ctx.spec().newResponse();
            for (Struct m : request.getStructs("Markers")) {
                Struct out = response.child("Markers").set("ProducerId", m.getLong("ProducerId"));
                for (Struct t : m.getStructs("Topics")) {
                    Struct ot = out.child("Topics").set("Name", t.getString("Name"));
                    for (Object o : t.getList("PartitionIndexes")) {
                        ot.add("Partitions", ot.child("Partitions").set("PartitionIndex", o)
                                .set("ErrorCode", Errors.NOT_LEADER_OR_FOLLOWER.code()));
                    }
                    out.add("Topics", ot);
                }
                response.add("Markers", out);
            }
            return CompletableFuture.completedFuture(response);
        }
        return real.handle(ctx, request).thenApply(response -> {
            for (Struct m : request.getStructs("Markers")) {
                long pid = m.getLong("ProducerId");
                for (Struct rm : response.getStructs("Markers")) {
                    if (rm.getLong("ProducerId") != pid) continue;
                    for (Struct t : rm.getStructs("Topics")) {
                        for (Struct p : t.getStructs("Partitions")) {
                            if (p.getShort("ErrorCode") != 0) continue;
                            written.add(new Marker(broker.config().nodeId(), pid, m.getShort("ProducerEpoch"),
                                    m.getBool("TransactionResult"), new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"))));
                        }
                    }
                }
            }
            return response;
        });
    }
}
