package io.fjord.cli;

import io.fjord.broker.FjordBroker;
import io.fjord.broker.config.BrokerConfig;
import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.serialization.StringSerializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The training run behind {@code bin/fjord}'s class-data-sharing archive (JDK 17 has no
 * {@code -XX:+AutoCreateSharedArchive}, so the archive is dumped by a separate, clean JVM exit): starts a
 * single-node broker on an ephemeral loopback port in a temporary directory, writes one record to an auto-created
 * topic (acks=all), stops the broker and deletes the directory. The JVM runs with
 * {@code -XX:ArchiveClassesAtExit}, so everything a start-up and a first write load goes into the archive; later
 * {@code bin/fjord server} runs map those classes instead of loading and verifying them from the jar.
 *
 * <p>Not a picocli command: {@link Fjord#main} dispatches {@code fjord cds-training} here before building the
 * command line. Exit code 0 only if the write was acknowledged (the script keeps the archive only then).
 */
final class CdsTraining {
    private CdsTraining() {
    }

    static int run() throws Exception {
        Path dir = Files.createTempDirectory("fjord-cds-training");
        try {
            Map<String, String> settings = new HashMap<>();
            settings.put("node.id", "1");
            settings.put("process.roles", "broker,controller");
            settings.put("listeners", "PLAINTEXT://127.0.0.1:0");
            settings.put("log.dirs", dir.resolve("data").toString());
            settings.put("offsets.topic.replication.factor", "1");
            settings.put("transaction.state.log.replication.factor", "1");
            settings.put("transaction.state.log.min.isr", "1");
            settings.put("auto.create.topics.enable", "true");
            settings.put("fjord.console.listener", "none");
            FjordBroker broker = new FjordBroker(BrokerConfig.load(null, settings));
            try {
                broker.start();
                Map<String, Object> cfg = new HashMap<>();
                cfg.put("bootstrap.servers", "127.0.0.1:" + broker.port());
                cfg.put("acks", "all");
                cfg.put("retry.backoff.ms", "10");
                cfg.put("max.block.ms", "60000");
                try (FjordProducer<String, String> p = new FjordProducer<>(cfg, new StringSerializer(), new StringSerializer())) {
                    p.send(new ProducerRecord<>("cds-training", "k", "v")).get(60, TimeUnit.SECONDS);
                }
            } finally {
                broker.close();
            }
            return 0;
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("fjord cds-training: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
