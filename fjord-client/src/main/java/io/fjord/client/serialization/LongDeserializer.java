package io.fjord.client.serialization;

/** Deserializes Long values as 8 big-endian bytes. */
public final class LongDeserializer implements Deserializer<Long> {
    @Override
    public Long deserialize(String topic, byte[] data) {
        if (data == null) return null;
        if (data.length != 8) throw new SerializationException("a long needs 8 bytes, got " + data.length);
        return java.nio.ByteBuffer.wrap(data).getLong();
    }
}
