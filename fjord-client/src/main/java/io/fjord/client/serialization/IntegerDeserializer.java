package io.fjord.client.serialization;

/** Deserializes Integer values as 4 big-endian bytes. */
public final class IntegerDeserializer implements Deserializer<Integer> {
    @Override
    public Integer deserialize(String topic, byte[] data) {
        if (data == null) return null;
        if (data.length != 4) throw new SerializationException("an int needs 4 bytes, got " + data.length);
        return java.nio.ByteBuffer.wrap(data).getInt();
    }
}
