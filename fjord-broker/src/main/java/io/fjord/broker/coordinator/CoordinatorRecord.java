package io.fjord.broker.coordinator;

/**
 * One record of a coordinator's internal topic: the key and value bytes as they are stored (the value is null for
 * a tombstone). The shard that writes a record type owns its byte layout.
 */
public record CoordinatorRecord(byte[] key, byte[] value) {
    public static CoordinatorRecord tombstone(byte[] key) {
        return new CoordinatorRecord(key, null);
    }
}
