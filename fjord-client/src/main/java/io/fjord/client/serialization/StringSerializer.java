package io.fjord.client.serialization;

/** Serializes String values as UTF-8. */
public final class StringSerializer implements Serializer<String> {
    @Override
    public byte[] serialize(String topic, String data) {
        if (data == null) return null;
        return data.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
