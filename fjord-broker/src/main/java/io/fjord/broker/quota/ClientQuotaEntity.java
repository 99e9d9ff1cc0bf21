package io.fjord.broker.quota;

/**
 * Who a client quota is for: a user, a client id, or both, as Kafka's {@code user} and {@code client-id} entity
 * types. A part is null when the entity does not name that type, and {@link #DEFAULT} for Kafka's
 * {@code <default>} entity (an AlterClientQuotas entry with a null name), which applies to every user or client
 * id without a quota of its own.
 */
public record ClientQuotaEntity(String user, String clientId) {
    public static final String DEFAULT = "<default>";

    public ClientQuotaEntity {
        if (user == null && clientId == null) throw new IllegalArgumentException("a quota entity names a user, a client id or both");
    }

    public static ClientQuotaEntity user(String user) {
        return new ClientQuotaEntity(user, null);
    }

    public static ClientQuotaEntity clientId(String clientId) {
        return new ClientQuotaEntity(null, clientId);
    }

    public static ClientQuotaEntity userAndClientId(String user, String clientId) {
        return new ClientQuotaEntity(user, clientId);
    }
}
