package io.fjord.client.admin;

/** A topic or broker whose configs are described or altered. */
public record ConfigResource(Type type, String name) {
    public enum Type {
        TOPIC((byte) 2), BROKER((byte) 4);

        public final byte id;

        Type(byte id) {
            this.id = id;
        }
    }
}
