package io.fjord.broker.handlers.group;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetFetch (v1-10): one group (v1-7) or several (v8+); a null topic list asks for every committed offset.
 * With RequireStable (v7+, read_committed consumers) a partition whose offset waits for a transaction marker
 * answers UNSTABLE_OFFSET_COMMIT (the consumer retries), as Kafka does. GROUP Read is checked in front
 * ({@code GroupAclGate}); TOPIC Describe here, as in Kafka: a named partition of a topic the principal may not
 * describe answers TOPIC_AUTHORIZATION_FAILED, and such topics are left out of an all-offsets answer.
 */
public final class OffsetFetchHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final TopicAdmin admin;

    public OffsetFetchHandler(GroupCoordinator coordinator, TopicAdmin admin) {
        this.coordinator = coordinator;
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        short v = ctx.version();
        if (v <= 7) {
            return fetchGroup(request.getString("GroupId"), request.getStructs("Topics"), v, requireStable(request, v)).thenApply(r -> {
                Struct response = ctx.spec().newResponse();
                if (r.error() != Errors.NONE) {
                    // v1 has no top-level error: each requested partition carries it.
                    if (v < 2 && request.getStructs("Topics") != null) {
                        fillErrors(response, request.getStructs("Topics"), r.error());
                    }
                    return response.set("ErrorCode", r.error().code());
                }
                fill(ctx, response, r.offsets(), r.ids(), r.unstable(), request.getStructs("Topics") == null);
                return response.set("ErrorCode", Errors.NONE.code());
            });
        }
        List<Struct> groups = request.getStructs("Groups");
        List<CompletableFuture<Fetched>> results = new java.util.ArrayList<>();
        for (Struct g : groups) results.add(fetchGroup(g.getString("GroupId"), g.getStructs("Topics"), v, requireStable(request, v)));
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(x -> {
            Struct response = ctx.spec().newResponse();
            for (int i = 0; i < groups.size(); i++) {
                Fetched r = results.get(i).join();
                Struct out = response.child("Groups").set("GroupId", groups.get(i).getString("GroupId"));
                if (r.error() == Errors.NONE) fill(ctx, out, r.offsets(), r.ids(), r.unstable(), groups.get(i).getStructs("Topics") == null);
                out.set("ErrorCode", r.error().code());
                response.add("Groups", out);
            }
            return response;
        });
    }

    private record Fetched(Errors error, Map<String, Map<Integer, GroupCoordinatorShard.FetchedOffset>> offsets,
                           Map<String, java.util.UUID> ids, java.util.Set<io.fjord.broker.group.OffsetKey> unstable) {
    }

    private static boolean requireStable(Struct request, short v) {
        return v >= 7 && request.getBool("RequireStable");
    }

    private static void fillErrors(Struct response, List<Struct> topics, Errors error) {
        for (Struct t : topics) {
            Struct out = response.child("Topics").set("Name", t.getString("Name"));
            for (Object p : t.getList("PartitionIndexes")) {
                out.add("Partitions", out.child("Partitions").set("PartitionIndex", p).set("CommittedOffset", -1L)
                        .set("Metadata", "").set("ErrorCode", error.code()));
            }
            response.add("Topics", out);
        }
    }

    private CompletableFuture<Fetched> fetchGroup(String groupId, List<Struct> topics, short v, boolean requireStable) {
        Map<String, List<Integer>> wanted = null;
        Map<String, java.util.UUID> ids = new LinkedHashMap<>();
        if (topics != null) {
            wanted = new LinkedHashMap<>();
            for (Struct t : topics) {
                String name = t.getString("Name");
                if (v >= 10) {
                    TopicImage ti = admin.image().topic(t.getUuid("TopicId"));
                    ids.put(ti == null ? t.getUuid("TopicId").toString() : ti.name(), t.getUuid("TopicId"));
                    name = ti == null ? t.getUuid("TopicId").toString() : ti.name();
                }
                wanted.put(name, t.getList("PartitionIndexes"));
            }
        }
        CompletableFuture<java.util.Set<io.fjord.broker.group.OffsetKey>> unstable = requireStable
                ? coordinator.pendingTransactionalOffsets(groupId) : CompletableFuture.completedFuture(java.util.Set.of());
        return coordinator.fetchOffsets(groupId, wanted).thenCombine(unstable, (r, u) -> new Fetched(r.error(), r.offsets(), ids, u));
    }

    /** Fills {@code holder}'s topic list with the group's offsets ({@code all}: the request named no topics). */
    private void fill(RequestContext ctx, Struct holder, Map<String, Map<Integer, GroupCoordinatorShard.FetchedOffset>> offsets,
                      Map<String, java.util.UUID> ids, java.util.Set<io.fjord.broker.group.OffsetKey> unstable, boolean all) {
        short v = ctx.version();
        String field = "Topics";
        for (Map.Entry<String, Map<Integer, GroupCoordinatorShard.FetchedOffset>> e : offsets.entrySet()) {
            boolean describable = ctx.authorized(AclOperation.DESCRIBE, AclResourceType.TOPIC, e.getKey());
            if (all && !describable) continue;
            Struct t = holder.child(field);
            if (v >= 10) {
                java.util.UUID id = ids.get(e.getKey());
                if (id == null) {
                    TopicImage ti = admin.image().topic(e.getKey());
                    id = ti == null ? new java.util.UUID(0, 0) : ti.id();
                }
                t.set("TopicId", id);
            } else {
                t.set("Name", e.getKey());
            }
            for (Map.Entry<Integer, GroupCoordinatorShard.FetchedOffset> p : e.getValue().entrySet()) {
                Struct ps = t.child("Partitions").set("PartitionIndex", p.getKey()).set("CommittedOffset", p.getValue().offset())
                        .set("Metadata", p.getValue().metadata()).set("ErrorCode", Errors.NONE.code());
                if (!describable) {
                    ps.set("CommittedOffset", -1L).set("Metadata", "").set("ErrorCode", Errors.TOPIC_AUTHORIZATION_FAILED.code());
                } else if (unstable.contains(new io.fjord.broker.group.OffsetKey(e.getKey(), p.getKey()))) {
                    ps.set("CommittedOffset", -1L).set("ErrorCode", Errors.UNSTABLE_OFFSET_COMMIT.code());
                }
                if (v >= 5) ps.set("CommittedLeaderEpoch", describable ? p.getValue().leaderEpoch() : -1);
                t.add("Partitions", ps);
            }
            holder.add(field, t);
        }
    }
}
