package io.fjord.client.producer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The producer's counters, by the names of Kafka's producer metrics where one exists: records sent (acknowledged),
 * retried and failed, batches and produce requests sent. Cumulative totals; cheap to bump from the sender thread.
 * Thread-safe.
 */
final class ProducerMetrics {
    final LongAdder recordsSent = new LongAdder();
    final LongAdder recordRetries = new LongAdder();
    final LongAdder recordErrors = new LongAdder();
    final LongAdder batchesSent = new LongAdder();
    final LongAdder produceRequests = new LongAdder();

    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("record-send-total", recordsSent.sum());
        m.put("record-retry-total", recordRetries.sum());
        m.put("record-error-total", recordErrors.sum());
        m.put("batch-send-total", batchesSent.sum());
        m.put("produce-request-total", produceRequests.sum());
        return m;
    }
}
