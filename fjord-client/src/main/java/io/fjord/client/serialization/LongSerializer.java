package io.fjord.client.serialization;

/** Serializes Long values as 8 big-endian bytes. */
public final class LongSerializer implements Serializer<Long> {
    @Override
    public byte[] serialize(String topic, Long data) {
        if (data == null) return null;
        return java.nio.ByteBuffer.allocate(8).putLong(data).array();
    }
}
