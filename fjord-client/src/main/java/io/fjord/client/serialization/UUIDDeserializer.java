package io.fjord.client.serialization;

/** Deserializes java.util.UUID values as their UTF-8 string form, as Kafka does. */
public final class UUIDDeserializer implements Deserializer<java.util.UUID> {
    @Override
    public java.util.UUID deserialize(String topic, byte[] data) {
        if (data == null) return null;
        try {
            return java.util.UUID.fromString(new String(data, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new SerializationException("not a UUID: " + e.getMessage());
        }
    }
}
