package io.fjord.it;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/**
 * A Kafka Streams 4.x application with {@code processing.guarantee=exactly_once_v2}, started as a child JVM by
 * {@link StreamsExactlyOnceTest}: it sums the (integer) values of each key of the input topic in a state store
 * (changelogged) and writes every new sum to the output topic. Arguments: bootstrap, application id, state dir,
 * input topic, output topic. Prints {@code RUNNING} once the application reached that state. A long commit
 * interval keeps a transaction open most of the time, so that a kill -9 lands inside one.
 */
public final class StreamsSumApp {
    private StreamsSumApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        Properties p = new Properties();
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
        p.put(StreamsConfig.STATE_DIR_CONFIG, args[2]);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "2000");
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
        // No record cache: every input record writes its sum (output and changelog) inside the open transaction.
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), "6000");
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), "1000");
        p.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), "10000");
        StreamsBuilder b = new StreamsBuilder();
        b.stream(args[3], Consumed.with(Serdes.String(), Serdes.String()))
                .mapValues((String v) -> Long.parseLong(v))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.Long()))
                .reduce(Long::sum, Materialized.with(Serdes.String(), Serdes.Long()))
                .toStream()
                .mapValues((Long v) -> String.valueOf(v))
                .to(args[4], Produced.with(Serdes.String(), Serdes.String()));
        KafkaStreams streams = new KafkaStreams(b.build(), p);
        CountDownLatch done = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            System.out.println("STATE " + now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) done.countDown();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(streams::close, "streams-sum-shutdown"));
        streams.start();
        done.await();
        System.exit(streams.state() == KafkaStreams.State.ERROR ? 1 : 0);
    }
}
