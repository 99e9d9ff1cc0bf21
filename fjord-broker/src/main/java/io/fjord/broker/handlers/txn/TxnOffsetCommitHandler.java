package io.fjord.broker.handlers.txn;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.handlers.ProduceHandler;
import io.fjord.broker.handlers.group.OffsetCommitRequests;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * TxnOffsetCommit (v0-6), sent by a transactional producer to the group's coordinator: the offsets wait in the
 * group shard until the transaction's marker reaches the group's offsets partition. v3+ carry the consumer's
 * generation and member id, checked as Kafka does (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID);
 * v6 names topics by id. Kafka's checks, in its order: TRANSACTIONAL_ID Write (else every partition
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED), GROUP Read (else GROUP_AUTHORIZATION_FAILED), TOPIC Read per topic (else
 * TOPIC_AUTHORIZATION_FAILED for its partitions, which are not committed).
 *
 * <p>KIP-890: before the offsets are taken, the group's {@code __consumer_offsets} partition is checked with the
 * producer's transaction coordinator, as a produce is: v5+ come from a transaction version 2 producer, which sends
 * no AddOffsetsToTxn, so the partition is added ({@code add}); older versions only verify that it was added (when
 * {@code transaction.partition.verification.enable}). The coordinator's retriable errors are answered as
 * COORDINATOR_LOAD_IN_PROGRESS, which the producer retries; PRODUCER_FENCED as INVALID_PRODUCER_EPOCH. The
 * authorization checks come first: a refused request never reaches the transaction coordinator.
 */
public final class TxnOffsetCommitHandler implements ApiHandler {
    private final GroupCoordinator groups;
    private final TopicAdmin admin;
    private final ProduceHandler.TransactionVerifier verifier;

    public TxnOffsetCommitHandler(GroupCoordinator groups, TopicAdmin admin, ProduceHandler.TransactionVerifier verifier) {
        this.groups = groups;
        this.admin = admin;
        this.verifier = verifier;
    }

    /** The transaction coordinator's answer for the group's offsets partition, as this API's error. */
    private CompletableFuture<Errors> verify(short v, String transactionalId, long producerId, short epoch, String groupId) {
        boolean add = v >= 5;
        if (groupId == null || groupId.isEmpty() || transactionalId == null
                || !(add || Boolean.parseBoolean(admin.brokerConfig().get("transaction.partition.verification.enable")))) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        TopicPartition offsets = new TopicPartition("__consumer_offsets", groups.offsetsPartitionOrPlanned(groupId));
        return verifier.verify(transactionalId, producerId, epoch, offsets, add)
                .exceptionally(e -> Errors.COORDINATOR_LOAD_IN_PROGRESS)
                .thenApply(e -> switch (e) {
                    case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH;
                    case NOT_ENOUGH_REPLICAS, CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR,
                         REQUEST_TIMED_OUT -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
                    case TRANSACTION_ABORTABLE -> v >= 4 ? Errors.TRANSACTION_ABORTABLE : Errors.INVALID_TXN_STATE;
                    default -> e;
                });
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        List<GroupCoordinatorShard.OffsetCommit> commits = new ArrayList<>();
        List<Object[]> order = new ArrayList<>(); // {topic struct, partition struct, commit or error}
        OffsetCommitRequests.read(request, v, 6, 2, admin, commits, order);
        Errors refused = !ctx.authorized(AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, request.getString("TransactionalId"))
                ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                : !ctx.authorized(AclOperation.READ, AclResourceType.GROUP, request.getString("GroupId")) ? Errors.GROUP_AUTHORIZATION_FAILED : null;
        OffsetCommitRequests.refuse(ctx, refused, commits, order);
        String groupId = request.getString("GroupId");
        long producerId = request.getLong("ProducerId");
        short epoch = request.getShort("ProducerEpoch");
        CompletableFuture<GroupCoordinatorShard.CommitResult> written = commits.isEmpty() && !order.isEmpty()
                ? CompletableFuture.completedFuture(new GroupCoordinatorShard.CommitResult(Errors.NONE, java.util.Map.of()))
                : verify(v, request.getString("TransactionalId"), producerId, epoch, groupId)
                        .thenCompose(verified -> verified != Errors.NONE
                                ? CompletableFuture.completedFuture(new GroupCoordinatorShard.CommitResult(verified, java.util.Map.of()))
                                : groups.txnCommit(groupId, producerId, epoch,
                                        v >= 3 ? request.getInt("GenerationIdOrMemberEpoch") : -1, v >= 3 ? request.getString("MemberId") : "",
                                        v >= 3 ? request.getString("GroupInstanceId") : null, commits));
        return written.thenApply(r -> {
                    Struct response = ctx.spec().newResponse();
                    Struct current = null;
                    Struct currentIn = null;
                    for (Object[] o : order) {
                        Struct tIn = (Struct) o[0];
                        if (tIn != currentIn) {
                            current = response.child("Topics");
                            if (v >= 6) current.set("TopicId", tIn.getUuid("TopicId")); else current.set("Name", tIn.getString("Name"));
                            response.add("Topics", current);
                            currentIn = tIn;
                        }
                        Errors e = o[2] instanceof Errors err ? err
                                : r.groupError() != Errors.NONE ? r.groupError() : r.partitions().get((GroupCoordinatorShard.OffsetCommit) o[2]);
                        current.add("Partitions", current.child("Partitions").set("PartitionIndex", ((Struct) o[1]).getInt("PartitionIndex"))
                                .set("ErrorCode", e.code()));
                    }
                    return response;
                });
    }
}
