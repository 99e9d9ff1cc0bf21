package io.fjord.client.serialization;

/** Deserializes byte[] values unchanged. */
public final class ByteArrayDeserializer implements Deserializer<byte[]> {
    @Override
    public byte[] deserialize(String topic, byte[] data) {
        if (data == null) return null;
        return data;
    }
}
