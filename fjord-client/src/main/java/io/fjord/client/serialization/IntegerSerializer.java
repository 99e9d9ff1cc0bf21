package io.fjord.client.serialization;

/** Serializes Integer values as 4 big-endian bytes. */
public final class IntegerSerializer implements Serializer<Integer> {
    @Override
    public byte[] serialize(String topic, Integer data) {
        if (data == null) return null;
        return java.nio.ByteBuffer.allocate(4).putInt(data).array();
    }
}
