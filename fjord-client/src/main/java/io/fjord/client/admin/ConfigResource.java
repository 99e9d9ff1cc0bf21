package io.fjord.client.admin;

/** A topic, broker or consumer group (KIP-848 GROUP resource) whose configs are described or altered. */
public record ConfigResource(Type type, String name) {
    public enum Type {
        TOPIC((byte) 2), BROKER((byte) 4), GROUP((byte) 32);

        public final byte id;

        Type(byte id) {
            this.id = id;
        }

        /** The type with Kafka's resource type code {@code id}. */
        public static Type of(byte id) {
            for (Type t : values()) if (t.id == id) return t;
            throw new IllegalArgumentException("unknown config resource type " + id);
        }
    }
}
