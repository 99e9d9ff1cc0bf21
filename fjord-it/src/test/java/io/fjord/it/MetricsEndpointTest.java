package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, check 2: /metrics on the console listener moves by what kafka-clients sent and read. The producer's and
 * consumer's own metrics are the reference (bytes of the batches they sent, records they sent, bytes they fetched).
 */
class MetricsEndpointTest {
    private static final String TOPIC = "metered";
    private static final int RECORDS = 5000;

    @Test
    void countersMoveByWhatTheClientsSentAndRead(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir).start()) {
            int console = broker.broker().consolePort();
            assertThat(console).isPositive();
            Clients.createTopic(broker.bootstrap(), TOPIC, 3);
            PrometheusScrape before = PrometheusScrape.of(console);
            String tag = "topic=\"" + TOPIC + "\"";
            assertThat(before.value("kafka_server_brokertopicmetrics_bytesin_total", tag)).isZero();

            double producerBytes;
            double producerRecords;
            try (KafkaProducer<String, String> p = Clients.producer(broker.bootstrap())) {
                for (int i = 0; i < RECORDS; i++) p.send(new ProducerRecord<>(TOPIC, "k" + i, "value-" + i + "-" + "x".repeat(i % 100)));
                p.flush();
                producerBytes = topicMetric(p.metrics(), "producer-topic-metrics", "byte-total");
                producerRecords = topicMetric(p.metrics(), "producer-topic-metrics", "record-send-total");
            }
            assertThat(producerRecords).isEqualTo(RECORDS);

            PrometheusScrape afterProduce = PrometheusScrape.of(console);
            double bytesIn = afterProduce.value("kafka_server_brokertopicmetrics_bytesin_total", tag);
            double messagesIn = afterProduce.value("kafka_server_brokertopicmetrics_messagesin_total", tag);
            assertThat(messagesIn).as("messages in").isEqualTo(producerRecords);
            assertThat(bytesIn).as("bytes in vs the producer's byte-total %s", producerBytes)
                    .isBetween(producerBytes * 0.97, producerBytes * 1.03);
            assertThat(afterProduce.value("kafka_server_brokertopicmetrics_totalproducerequests_total", tag)).isPositive();
            assertThat(afterProduce.sum("kafka_network_requestmetrics_requests_total", "request=\"Produce\""))
                    .as("Produce requests").isPositive();
            assertThat(afterProduce.series.keySet()).anyMatch(k -> k.startsWith("kafka_network_requestmetrics_totaltimems{")
                    && k.contains("quantile=\"0.99\"") && k.contains("request=\"Produce\""));

            List<TopicPartition> parts = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1), new TopicPartition(TOPIC, 2));
            List<ConsumerRecord<String, String>> read;
            try (var c = Clients.consumer(broker.bootstrap())) {
                c.assign(parts);
                c.seekToBeginning(parts);
                java.util.ArrayList<ConsumerRecord<String, String>> got = new java.util.ArrayList<>();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    c.poll(Duration.ofMillis(200)).forEach(got::add);
                    return got.size() >= RECORDS;
                });
                read = got;
                // The consumer read one topic only, so its client-wide count is this topic's.
            }
            assertThat(read).hasSize(RECORDS);
            PrometheusScrape afterConsume = PrometheusScrape.of(console);
            double bytesOut = afterConsume.value("kafka_server_brokertopicmetrics_bytesout_total", tag);
            // One consumer read every record once from the start: the broker sent each batch the producer wrote once
            // (whole batches; kafka-clients 4.4's bytes-consumed-total stays 0 here, so the producer is the reference).
            assertThat(bytesOut).as("bytes out vs the producer's byte-total %s", producerBytes)
                    .isBetween(producerBytes * 0.97, producerBytes * 1.03);
            assertThat(afterConsume.sum("kafka_network_requestmetrics_requests_total", "request=\"Fetch\"")).isPositive();

            // Replica and controller state of a single node, and the JVM.
            assertThat(afterConsume.value("kafka_server_replicamanager_partitioncount", null)).isEqualTo(3);
            assertThat(afterConsume.value("kafka_server_replicamanager_leadercount", null)).isEqualTo(3);
            assertThat(afterConsume.value("kafka_server_replicamanager_underreplicatedpartitions", null)).isZero();
            assertThat(afterConsume.value("kafka_controller_kafkacontroller_activecontrollercount", null)).isEqualTo(1);
            assertThat(afterConsume.value("kafka_controller_kafkacontroller_offlinepartitionscount", null)).isZero();
            assertThat(afterConsume.value("kafka_controller_kafkacontroller_globaltopiccount", null)).isEqualTo(1);
            assertThat(afterConsume.has("kafka_server_replicamanager_isrshrinks_total")).isTrue();
            assertThat(afterConsume.has("jvm_memory_used_bytes")).isTrue();
            assertThat(afterConsume.has("process_cpu_usage")).isTrue();
            double idle = afterConsume.value("kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent", null);
            assertThat(idle).isBetween(0.0, 1.0);
        }
    }

    /**
     * The gauges and histograms issue 13 listed as missing: per-partition log size (checked against DescribeLogDirs),
     * log flush time (a topic with flush.messages=1 flushes on every append), request queue time per API (one sample
     * per request, so its count equals the request count), the request queue length, the network threads' idle ratio
     * and consumer lag per group and partition (high watermark - committed offset, as Kafka Exporter reports it).
     */
    @Test
    void logSizeFlushTimeRequestQueueNetworkIdleAndConsumerLag(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir).start()) {
            int console = broker.broker().consolePort();
            String topic = "lagged";
            try (var admin = Clients.admin(broker.bootstrap())) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 2, (short) 1)
                        .configs(Map.of("flush.messages", "1")))).all().get();
            }
            PrometheusScrape before = PrometheusScrape.of(console);
            double flushesBefore = before.value("kafka_log_logflushstats_logflushrateandtimems_count", null);
            try (KafkaProducer<String, String> p = Clients.producer(broker.bootstrap())) {
                for (int i = 0; i < 200; i++) p.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
                for (int i = 0; i < 100; i++) p.send(new ProducerRecord<>(topic, 1, "k" + i, "v" + i));
                p.flush();
            }
            TopicPartition p0 = new TopicPartition(topic, 0);
            TopicPartition p1 = new TopicPartition(topic, 1);
            try (var c = Clients.consumer(broker.bootstrap(), Map.of("group.id", "lag-group"))) {
                c.assign(List.of(p0, p1));
                c.commitSync(Map.of(p0, new org.apache.kafka.clients.consumer.OffsetAndMetadata(50),
                        p1, new org.apache.kafka.clients.consumer.OffsetAndMetadata(100)));
            }
            PrometheusScrape s = PrometheusScrape.of(console);
            assertThat(s.value("kafka_consumergroup_lag", "consumergroup=\"lag-group\",partition=\"0\",topic=\"lagged\"")).isEqualTo(150);
            assertThat(s.series).containsEntry("kafka_consumergroup_lag{consumergroup=\"lag-group\",partition=\"1\",topic=\"lagged\"}", 0.0);

            long[] sizes = new long[2];
            try (var admin = Clients.admin(broker.bootstrap())) {
                var dirs = admin.describeLogDirs(List.of(broker.broker().config().nodeId())).allDescriptions().get()
                        .get(broker.broker().config().nodeId());
                for (var d : dirs.values()) {
                    var r0 = d.replicaInfos().get(p0);
                    var r1 = d.replicaInfos().get(p1);
                    if (r0 != null) sizes[0] += r0.size();
                    if (r1 != null) sizes[1] += r1.size();
                }
            }
            assertThat(sizes[0]).isGreaterThan(sizes[1]).isPositive();
            assertThat(s.value("kafka_log_log_size", "partition=\"0\",topic=\"lagged\"")).isEqualTo(sizes[0]);
            assertThat(s.value("kafka_log_log_size", "partition=\"1\",topic=\"lagged\"")).isEqualTo(sizes[1]);

            assertThat(s.value("kafka_log_logflushstats_logflushrateandtimems_count", null) - flushesBefore)
                    .as("flush.messages=1: at least one flush per produced batch").isGreaterThanOrEqualTo(2);
            assertThat(s.series.keySet()).anyMatch(k -> k.equals("kafka_log_logflushstats_logflushrateandtimems{quantile=\"0.99\"}"));

            double idle = s.value("kafka_network_socketserver_networkprocessoravgidle_percent", null);
            assertThat(idle).as("network threads did some work since start").isGreaterThan(0.0).isLessThan(1.0);
            assertThat(s.has("kafka_network_requestchannel_requestqueuesize")).isTrue();
            assertThat(s.series.keySet()).anyMatch(k -> k.startsWith("kafka_network_requestmetrics_requestqueuetimems{")
                    && k.contains("quantile=\"0.99\"") && k.contains("request=\"Produce\""));
            String rebalances = "kafka_server_group_coordinator_metrics_classic_group_completed_rebalance_count";
            assertThat(s.value(rebalances, null)).as("assign() and commits alone do not rebalance").isZero();
            try (var c = Clients.consumer(broker.bootstrap(), Map.of("group.id", "joining-group"))) {
                c.subscribe(List.of(topic));
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    c.poll(Duration.ofMillis(200));
                    return !c.assignment().isEmpty();
                });
                assertThat(PrometheusScrape.of(console).value(rebalances, null)).as("the join of one classic member").isEqualTo(1);
            }
            assertThat(PrometheusScrape.of(console).value(rebalances, null)).as("the group emptied: no new assignment").isEqualTo(1);

            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                PrometheusScrape now = PrometheusScrape.of(console);
                assertThat(now.value("kafka_network_requestmetrics_requestqueuetimems_count", "request=\"Produce\""))
                        .as("one queue-time sample per Produce request")
                        .isEqualTo(now.sum("kafka_network_requestmetrics_requests_total", "request=\"Produce\""));
                assertThat(now.value("kafka_network_requestchannel_requestqueuesize", null)).as("idle broker: empty queue").isZero();
            });
        }
    }

    @Test
    void errorsAreCountedPerApiAndUnknownPathsAnswer404(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir).start()) {
            int console = broker.broker().consolePort();
            try (var admin = Clients.admin(broker.bootstrap())) {
                // Deleting a topic that does not exist: UNKNOWN_TOPIC_OR_PARTITION in the DeleteTopics answer.
                assertThatThrownBy(() -> admin.deleteTopics(List.of("no-such-topic")).all().get())
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class);
            }
            PrometheusScrape s = PrometheusScrape.of(console);
            assertThat(s.value("kafka_network_requestmetrics_errors_total",
                    "error=\"UNKNOWN_TOPIC_OR_PARTITION\",request=\"DeleteTopics\"")).isEqualTo(1);
            assertThat(PrometheusScrape.get(console, "/no/such/page").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aConsolePortInUseStopsTheStartWithItsName(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            BrokerConfig config = BrokerConfig.of(Map.of("listeners", "PLAINTEXT://127.0.0.1:0", "log.dirs", dir.toString(),
                    "fjord.console.listener", "http://127.0.0.1:" + taken.getLocalPort()));
            assertThatThrownBy(() -> new FjordBroker(config).start())
                    .isInstanceOf(java.net.BindException.class)
                    .hasMessage("listener console (fjord.console.listener): cannot bind 127.0.0.1:" + taken.getLocalPort()
                            + ": Address already in use");
        }
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("fjord.console.listener", "ftp://x:1")))
                .hasMessageContaining("fjord.console.listener must be none or http://host:port");
    }

    private static double topicMetric(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        double sum = 0;
        for (var e : metrics.entrySet()) {
            MetricName m = e.getKey();
            if (m.group().equals(group) && m.name().equals(name) && TOPIC.equals(m.tags().get("topic"))) {
                sum += ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        return sum;
    }
}
