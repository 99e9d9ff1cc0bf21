package io.fjord.client.admin;

import io.fjord.client.common.TopicPartition;
import java.util.List;

/** A group member: ids, client, host and (for consumer groups) its assigned partitions. */
public record MemberDescription(String memberId, String groupInstanceId, String clientId, String host,
                                List<TopicPartition> assignment) {
}
