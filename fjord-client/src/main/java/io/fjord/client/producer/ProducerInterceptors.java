package io.fjord.client.producer;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The configured interceptors, called in order; one failing does not stop the others or the send. */
final class ProducerInterceptors<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProducerInterceptors.class);
    private final List<ProducerInterceptor<K, V>> interceptors;

    ProducerInterceptors(List<ProducerInterceptor<K, V>> interceptors) {
        this.interceptors = List.copyOf(interceptors);
    }

    ProducerRecord<K, V> onSend(ProducerRecord<K, V> record) {
        ProducerRecord<K, V> r = record;
        for (ProducerInterceptor<K, V> i : interceptors) {
            try {
                r = i.onSend(r);
            } catch (RuntimeException e) {
                log.warn("interceptor {} onSend failed", i.getClass().getName(), e);
            }
        }
        return r;
    }

    void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        for (ProducerInterceptor<K, V> i : interceptors) {
            try {
                i.onAcknowledgement(metadata, exception);
            } catch (RuntimeException e) {
                log.warn("interceptor {} onAcknowledgement failed", i.getClass().getName(), e);
            }
        }
    }

    @Override
    public void close() {
        for (ProducerInterceptor<K, V> i : interceptors) {
            try {
                i.close();
            } catch (RuntimeException e) {
                log.warn("interceptor close failed", e);
            }
        }
    }
}
