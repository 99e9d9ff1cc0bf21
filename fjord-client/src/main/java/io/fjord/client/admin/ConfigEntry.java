package io.fjord.client.admin;

/** One config of a resource; {@code source} is Kafka's ConfigSource code (1 topic, 4 static broker, 5 default...). */
public record ConfigEntry(String name, String value, boolean readOnly, boolean sensitive, byte source) {
    public boolean isDefault() {
        return source == 5;
    }
}
