package io.fjord.broker.handlers;

import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.acl.AclOperation;
import io.fjord.broker.security.acl.AclResourceType;
import io.fjord.protocol.api.Errors;

/**
 * Kafka's checks for a config resource of DescribeConfigs, AlterConfigs and IncrementalAlterConfigs: a topic needs
 * TOPIC DescribeConfigs/AlterConfigs, a group GROUP ..., a broker, broker logger or client-metrics resource CLUSTER ...
 */
final class ConfigResourceAcl {
    private static final byte TOPIC = 2;
    private static final byte GROUP = 32;

    private ConfigResourceAcl() {
    }

    /** The error to answer for the resource, or null if the principal may describe ({@code alter} false) or alter it. */
    static Errors refusal(RequestContext ctx, byte resourceType, String name, boolean alter) {
        AclOperation op = alter ? AclOperation.ALTER_CONFIGS : AclOperation.DESCRIBE_CONFIGS;
        if (resourceType == TOPIC) return ctx.authorized(op, AclResourceType.TOPIC, name) ? null : Errors.TOPIC_AUTHORIZATION_FAILED;
        if (resourceType == GROUP) return ctx.authorized(op, AclResourceType.GROUP, name) ? null : Errors.GROUP_AUTHORIZATION_FAILED;
        return ctx.authorized(op, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME) ? null : Errors.CLUSTER_AUTHORIZATION_FAILED;
    }
}
