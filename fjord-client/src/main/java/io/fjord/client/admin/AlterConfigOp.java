package io.fjord.client.admin;

/** One incremental config change: set (value) or delete (back to the default). */
public record AlterConfigOp(String name, String value, OpType op) {
    public enum OpType {
        SET((byte) 0), DELETE((byte) 1), APPEND((byte) 2), SUBTRACT((byte) 3);

        public final byte id;

        OpType(byte id) {
            this.id = id;
        }
    }
}
