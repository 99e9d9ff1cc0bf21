package io.fjord.client.serialization;

/** Serializes java.util.UUID values as their UTF-8 string form, as Kafka does. */
public final class UUIDSerializer implements Serializer<java.util.UUID> {
    @Override
    public byte[] serialize(String topic, java.util.UUID data) {
        if (data == null) return null;
        return data.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
