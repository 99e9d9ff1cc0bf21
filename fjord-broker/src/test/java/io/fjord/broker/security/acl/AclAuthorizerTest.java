package io.fjord.broker.security.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.config.BrokerConfig;
import io.fjord.broker.config.ConfigException;
import io.fjord.broker.security.KafkaPrincipal;
import io.fjord.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Kafka's StandardAuthorizer rules on a list of bindings: patterns, deny wins, hosts, implication, super users. */
class AclAuthorizerTest {
    private static final KafkaPrincipal ALICE = KafkaPrincipal.user("alice");
    private static final KafkaPrincipal BOB = KafkaPrincipal.user("bob");
    private final List<MetadataRecord.AclCreated> bindings = new ArrayList<>();
    private final AclAuthorizer authorizer = new AclAuthorizer(() -> bindings, Set.of("User:root"), false);

    private void bind(AclResourceType type, String name, AclPatternType pattern, String principal, String host,
                      AclOperation op, AclPermission permission) {
        bindings.add(new MetadataRecord.AclCreated(type.code(), name, pattern.code(), principal, host, op.code(), permission.code()));
    }

    private boolean may(KafkaPrincipal p, String host, AclOperation op, AclResourceType type, String name) {
        return authorizer.authorize(p, host, op, type, name);
    }

    @Test
    void literalPrefixedAndWildcardPatterns() {
        bind(AclResourceType.TOPIC, "orders", AclPatternType.LITERAL, "User:alice", "*", AclOperation.WRITE, AclPermission.ALLOW);
        bind(AclResourceType.TOPIC, "pay-", AclPatternType.PREFIXED, "User:alice", "*", AclOperation.READ, AclPermission.ALLOW);
        bind(AclResourceType.GROUP, "*", AclPatternType.LITERAL, "User:*", "*", AclOperation.READ, AclPermission.ALLOW);
        assertThat(may(ALICE, "1.2.3.4", AclOperation.WRITE, AclResourceType.TOPIC, "orders")).isTrue();
        assertThat(may(ALICE, "1.2.3.4", AclOperation.WRITE, AclResourceType.TOPIC, "orders2")).isFalse();
        assertThat(may(ALICE, "1.2.3.4", AclOperation.READ, AclResourceType.TOPIC, "pay-in")).isTrue();
        assertThat(may(ALICE, "1.2.3.4", AclOperation.READ, AclResourceType.TOPIC, "pay")).isFalse();
        assertThat(may(BOB, "1.2.3.4", AclOperation.READ, AclResourceType.GROUP, "any-group")).isTrue();
        assertThat(may(BOB, "1.2.3.4", AclOperation.READ, AclResourceType.TOPIC, "pay-in")).isFalse();
        // The resource type must match: a TOPIC binding says nothing about a GROUP of that name.
        assertThat(may(ALICE, "1.2.3.4", AclOperation.WRITE, AclResourceType.GROUP, "orders")).isFalse();
    }

    @Test
    void denyWinsAndHostsNarrow() {
        bind(AclResourceType.TOPIC, "*", AclPatternType.LITERAL, "User:alice", "*", AclOperation.ALL, AclPermission.ALLOW);
        bind(AclResourceType.TOPIC, "secret", AclPatternType.LITERAL, "User:alice", "*", AclOperation.READ, AclPermission.DENY);
        bind(AclResourceType.TOPIC, "orders", AclPatternType.LITERAL, "User:alice", "10.0.0.9", AclOperation.WRITE, AclPermission.DENY);
        assertThat(may(ALICE, "10.0.0.1", AclOperation.READ, AclResourceType.TOPIC, "secret")).isFalse();
        assertThat(may(ALICE, "10.0.0.1", AclOperation.DESCRIBE, AclResourceType.TOPIC, "secret")).isTrue(); // deny is exact
        assertThat(may(ALICE, "10.0.0.1", AclOperation.WRITE, AclResourceType.TOPIC, "orders")).isTrue();
        assertThat(may(ALICE, "10.0.0.9", AclOperation.WRITE, AclResourceType.TOPIC, "orders")).isFalse();
    }

    @Test
    void operationsImplyDescribeAsKafkaSays() {
        bind(AclResourceType.TOPIC, "t", AclPatternType.LITERAL, "User:alice", "*", AclOperation.WRITE, AclPermission.ALLOW);
        bind(AclResourceType.TOPIC, "c", AclPatternType.LITERAL, "User:alice", "*", AclOperation.ALTER_CONFIGS, AclPermission.ALLOW);
        assertThat(may(ALICE, "h", AclOperation.DESCRIBE, AclResourceType.TOPIC, "t")).isTrue();
        assertThat(may(ALICE, "h", AclOperation.READ, AclResourceType.TOPIC, "t")).isFalse();
        assertThat(may(ALICE, "h", AclOperation.DESCRIBE_CONFIGS, AclResourceType.TOPIC, "c")).isTrue();
        assertThat(may(ALICE, "h", AclOperation.DESCRIBE, AclResourceType.TOPIC, "c")).isFalse();
    }

    @Test
    void superUsersAndNoAclFound() {
        assertThat(may(KafkaPrincipal.user("root"), "h", AclOperation.ALTER, AclResourceType.CLUSTER, "kafka-cluster")).isTrue();
        assertThat(may(ALICE, "h", AclOperation.READ, AclResourceType.TOPIC, "free")).isFalse();
        AclAuthorizer open = new AclAuthorizer(() -> bindings, Set.of(), true);
        assertThat(open.authorize(ALICE, "h", AclOperation.READ, AclResourceType.TOPIC, "free")).isTrue();
        bind(AclResourceType.TOPIC, "free", AclPatternType.LITERAL, "User:bob", "*", AclOperation.READ, AclPermission.ALLOW);
        // Once any binding names the resource, only bindings decide.
        assertThat(open.authorize(ALICE, "h", AclOperation.READ, AclResourceType.TOPIC, "free")).isFalse();
    }

    @Test
    void configTurnsItOnOnlyForKafkasStandardAuthorizer() {
        assertThat(AclAuthorizer.fromConfig(BrokerConfig.of(Map.of()), List::of).isEnabled()).isFalse();
        assertThat(AclAuthorizer.fromConfig(BrokerConfig.of(Map.of("authorizer.class.name",
                "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users", "User:a;User:b")), List::of).isEnabled()).isTrue();
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.security.authorizer.AclAuthorizer");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("authorizer.class.name",
                "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users", "alice")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("super.users");
    }

    @Test
    void byResourceTypeNeedsOneAllowNotCoveredByADeny() {
        AclOperation w = AclOperation.WRITE;
        AclResourceType t = AclResourceType.TOPIC;
        assertThat(authorizer.authorizeByResourceType(ALICE, "h", w, t)).as("no topic bindings at all").isFalse();
        assertThat(authorizer.authorizeByResourceType(KafkaPrincipal.user("root"), "h", w, t)).isTrue();
        bind(t, "orders", AclPatternType.LITERAL, "User:alice", "*", AclOperation.WRITE, AclPermission.ALLOW);
        bind(t, "logs-", AclPatternType.PREFIXED, "User:bob", "*", AclOperation.ALL, AclPermission.ALLOW);
        assertThat(authorizer.authorizeByResourceType(ALICE, "h", w, t)).isTrue();
        assertThat(authorizer.authorizeByResourceType(ALICE, "h", AclOperation.READ, t)).isFalse();
        assertThat(authorizer.authorizeByResourceType(BOB, "h", w, t)).isTrue();
        // A deny on a prefix of the allowed name covers it; a deny on another name does not.
        bind(t, "ord", AclPatternType.PREFIXED, "User:alice", "*", AclOperation.WRITE, AclPermission.DENY);
        bind(t, "other", AclPatternType.LITERAL, "User:bob", "*", AclOperation.WRITE, AclPermission.DENY);
        assertThat(authorizer.authorizeByResourceType(ALICE, "h", w, t)).isFalse();
        assertThat(authorizer.authorizeByResourceType(BOB, "h", w, t)).isTrue();
        // A deny on every topic denies all.
        bind(t, "*", AclPatternType.LITERAL, "User:*", "*", AclOperation.ALL, AclPermission.DENY);
        assertThat(authorizer.authorizeByResourceType(BOB, "h", w, t)).isFalse();
        assertThat(new AclAuthorizer(List::of, Set.of(), true).authorizeByResourceType(BOB, "h", w, t))
                .as("allow.everyone.if.no.acl.found with no topic bindings").isTrue();
    }
}
