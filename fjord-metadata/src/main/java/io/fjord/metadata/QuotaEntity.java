package io.fjord.metadata;

/**
 * Who a client quota in the metadata log is for, in Kafka's entity types: a user, a client id or both. A part is
 * null when the entity does not name that type and {@link #DEFAULT} for Kafka's default entity (a null entity name
 * in AlterClientQuotas), which stands for every user or client id without a quota of its own.
 */
public record QuotaEntity(String user, String clientId) {
    public static final String DEFAULT = "<default>";

    public QuotaEntity {
        if (user == null && clientId == null) throw new IllegalArgumentException("a quota entity names a user, a client id or both");
    }
}
