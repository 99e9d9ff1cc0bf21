package io.fjord.broker.handlers.group;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.group.GroupCoordinator;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetFetch (v1-10): one group (v1-7) or several (v8+); a null topic list asks for every committed offset.
 * Without transactions every offset is stable, so RequireStable changes nothing.
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
        Struct response = ctx.spec().newResponse();
        if (v <= 7) {
            Struct group = fetchGroup(request.getString("GroupId"), request.getStructs("Topics"), response, "Topics", v);
            response.set("Topics", group.get("Topics"));
            response.set("ErrorCode", Errors.NONE.code());
            return CompletableFuture.completedFuture(response);
        }
        for (Struct g : request.getStructs("Groups")) {
            Struct out = response.child("Groups").set("GroupId", g.getString("GroupId"));
            Struct filled = fetchGroup(g.getString("GroupId"), g.getStructs("Topics"), out, "Topics", v);
            out.set("Topics", filled.get("Topics")).set("ErrorCode", Errors.NONE.code());
            response.add("Groups", out);
        }
        return CompletableFuture.completedFuture(response);
    }

    /** Fills {@code holder}'s topic list (field {@code field}) with the group's offsets. */
    private Struct fetchGroup(String groupId, List<Struct> topics, Struct holder, String field, short v) {
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
        Map<String, Map<Integer, GroupCoordinator.FetchedOffset>> offsets = coordinator.fetchOffsets(groupId, wanted);
        for (Map.Entry<String, Map<Integer, GroupCoordinator.FetchedOffset>> e : offsets.entrySet()) {
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
            for (Map.Entry<Integer, GroupCoordinator.FetchedOffset> p : e.getValue().entrySet()) {
                Struct ps = t.child("Partitions").set("PartitionIndex", p.getKey()).set("CommittedOffset", p.getValue().offset())
                        .set("Metadata", p.getValue().metadata()).set("ErrorCode", Errors.NONE.code());
                if (v >= 5) ps.set("CommittedLeaderEpoch", p.getValue().leaderEpoch());
                t.add("Partitions", ps);
            }
            holder.add(field, t);
        }
        return holder;
    }
}
