package io.fjord.client.serialization;

/** Deserializes String values as UTF-8. */
public final class StringDeserializer implements Deserializer<String> {
    @Override
    public String deserialize(String topic, byte[] data) {
        if (data == null) return null;
        return new String(data, java.nio.charset.StandardCharsets.UTF_8);
    }
}
