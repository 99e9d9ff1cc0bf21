package io.fjord.broker.handlers.group;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.group.GroupCoordinatorShard;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.List;

/**
 * The partitions of an OffsetCommit or TxnOffsetCommit request as commits, shared by both handlers: topics named by
 * id from {@code topicIdVersion} (one that no longer exists answers UNKNOWN_TOPIC_ID), leader epochs from
 * {@code leaderEpochVersion}. {@code order} keeps {topic struct, partition struct, commit or error} in request order
 * for the response.
 */
public final class OffsetCommitRequests {
    private OffsetCommitRequests() {
    }

    /**
     * Kafka's checks after {@link #read}: every partition answers {@code refused} when it is not null, else those of
     * a topic the principal may not READ answer TOPIC_AUTHORIZATION_FAILED; refused partitions leave
     * {@code commits}, so they are never written.
     */
    public static void refuse(RequestContext ctx, Errors refused, List<GroupCoordinatorShard.OffsetCommit> commits, List<Object[]> order) {
        for (Object[] o : order) {
            if (!(o[2] instanceof GroupCoordinatorShard.OffsetCommit c)) continue;
            if (refused != null) {
                o[2] = refused;
            } else if (!ctx.authorized(AclOperation.READ, AclResourceType.TOPIC, c.topic())) {
                o[2] = Errors.TOPIC_AUTHORIZATION_FAILED;
            } else {
                continue;
            }
            commits.remove(c);
        }
    }

    public static void read(Struct request, short version, int topicIdVersion, int leaderEpochVersion, TopicAdmin admin,
                            List<GroupCoordinatorShard.OffsetCommit> commits, List<Object[]> order) {
        for (Struct t : request.getStructs("Topics")) {
            String name = t.getString("Name");
            if (version >= topicIdVersion) {
                TopicImage topic = admin.image().topic(t.getUuid("TopicId"));
                name = topic == null ? null : topic.name();
            }
            for (Struct p : t.getStructs("Partitions")) {
                if (name == null) {
                    order.add(new Object[]{t, p, Errors.UNKNOWN_TOPIC_ID});
                    continue;
                }
                GroupCoordinatorShard.OffsetCommit c = new GroupCoordinatorShard.OffsetCommit(name, p.getInt("PartitionIndex"),
                        p.getLong("CommittedOffset"), version >= leaderEpochVersion ? p.getInt("CommittedLeaderEpoch") : -1,
                        p.getString("CommittedMetadata"));
                commits.add(c);
                order.add(new Object[]{t, p, c});
            }
        }
    }
}
