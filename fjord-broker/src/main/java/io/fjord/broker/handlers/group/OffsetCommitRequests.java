package io.fjord.broker.handlers.group;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.group.GroupCoordinatorShard;
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
