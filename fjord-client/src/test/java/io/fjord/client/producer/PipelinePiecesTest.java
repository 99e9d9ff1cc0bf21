package io.fjord.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.errors.FjordClientException;
import io.fjord.client.serialization.IntegerDeserializer;
import io.fjord.client.serialization.IntegerSerializer;
import io.fjord.client.serialization.LongDeserializer;
import io.fjord.client.serialization.LongSerializer;
import io.fjord.client.serialization.Plugins;
import io.fjord.client.serialization.Serializer;
import io.fjord.client.serialization.StringSerializer;
import io.fjord.client.serialization.UUIDDeserializer;
import io.fjord.client.serialization.UUIDSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PipelinePiecesTest {
    @Test
    void serializersMatchKafkasBytes() {
        assertThat(new LongSerializer().serialize("t", 42L))
                .isEqualTo(new org.apache.kafka.common.serialization.LongSerializer().serialize("t", 42L));
        assertThat(new IntegerSerializer().serialize("t", -7))
                .isEqualTo(new org.apache.kafka.common.serialization.IntegerSerializer().serialize("t", -7));
        UUID u = UUID.randomUUID();
        assertThat(new UUIDSerializer().serialize("t", u))
                .isEqualTo(new org.apache.kafka.common.serialization.UUIDSerializer().serialize("t", u));
        assertThat(new LongDeserializer().deserialize("t", new LongSerializer().serialize("t", 5L))).isEqualTo(5L);
        assertThat(new IntegerDeserializer().deserialize("t", new IntegerSerializer().serialize("t", 5))).isEqualTo(5);
        assertThat(new UUIDDeserializer().deserialize("t", new UUIDSerializer().serialize("t", u))).isEqualTo(u);
        assertThat(new StringSerializer().serialize("t", null)).isNull();
    }

    @Test
    void serializersByClassNameOrInstance() {
        ClientConfig c = new ClientConfig(Map.of("key.serializer", StringSerializer.class.getName()));
        Serializer<Object> s = Plugins.serializer(c, null, "key.serializer", true);
        assertThat(s).isInstanceOf(StringSerializer.class);
        assertThat(Plugins.<Long>serializer(c, new LongSerializer(), "key.serializer", true)).isInstanceOf(LongSerializer.class);
        assertThatThrownBy(() -> Plugins.serializer(new ClientConfig(Map.of("key.serializer", "no.Such")), null, "key.serializer", true))
                .isInstanceOf(FjordClientException.class).hasMessageContaining("cannot be found");
    }

    @Test
    void interceptorsRunInOrderAndFailuresAreContained() {
        List<String> seen = new ArrayList<>();
        ProducerInterceptor<String, String> upper = new ProducerInterceptor<>() {
            @Override
            public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
                seen.add("upper");
                return new ProducerRecord<>(r.topic(), r.key(), r.value().toUpperCase());
            }

            @Override
            public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
                seen.add("ack-upper");
            }
        };
        ProducerInterceptor<String, String> broken = new ProducerInterceptor<>() {
            @Override
            public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
                throw new IllegalStateException("boom");
            }
        };
        ProducerInterceptors<String, String> chain = new ProducerInterceptors<>(List.of(upper, broken));
        assertThat(chain.onSend(new ProducerRecord<>("t", "k", "v")).value()).isEqualTo("V");
        chain.onAcknowledgement(null, null);
        assertThat(seen).containsExactly("upper", "ack-upper");
    }

    @Test
    void idempotenceNeedsAcksAll() {
        assertThatThrownBy(() -> new FjordProducer<>(Map.of("bootstrap.servers", "127.0.0.1:1", "acks", "1",
                "enable.idempotence", "true"), new StringSerializer(), new StringSerializer()))
                .hasMessageContaining("acks must be all");
    }
}
