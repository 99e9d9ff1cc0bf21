package io.fjord.cli;

import io.fjord.client.producer.FjordProducer;
import io.fjord.client.producer.ProducerRecord;
import io.fjord.client.serialization.StringSerializer;
import io.fjord.protocol.record.Header;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fjord produce <topic>}: one record per line of standard input. */
@Command(name = "produce", mixinStandardHelpOptions = true, description = "Write lines from standard input to a topic.")
public final class ProduceCommand implements Callable<Integer> {
    /** Where lines come from; tests replace it. */
    public InputStream input = System.in;

    @Mixin ClientOptions client;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "topic") String topic;
    @Option(names = "--parse-key", description = "Lines are key<separator>value.") boolean parseKey;
    @Option(names = "--key-separator", defaultValue = "\t", description = "Between key and value (default: tab).") String keySeparator;
    @Option(names = "--header", paramLabel = "key=value", description = "A header for every record, repeatable.") List<String> headers = List.of();
    @Option(names = "--acks", defaultValue = "all", description = "0, 1 or all (default: ${DEFAULT-VALUE}).") String acks;
    @Option(names = "--compression", defaultValue = "none", description = "none, gzip, snappy, lz4 or zstd.") String compression;
    @Option(names = "--partition", description = "Write every record to this partition.") Integer partition;
    @Option(names = "--producer-property", paramLabel = "key=value", description = "A producer property, repeatable.")
    List<String> producerProperties = List.of();

    @Override
    public Integer call() throws Exception {
        if (!List.of("0", "1", "all", "-1").contains(acks)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--acks must be 0, 1 or all, got '" + acks + "'");
        }
        if (!List.of("none", "gzip", "snappy", "lz4", "zstd").contains(compression)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--compression must be none, gzip, snappy, lz4 or zstd");
        }
        List<Header> hs = new ArrayList<>();
        ClientOptions.parsePairs(headers, "--header").forEach((k, v) -> hs.add(new Header(k, v.getBytes(StandardCharsets.UTF_8))));
        Map<String, Object> cfg = client.config();
        cfg.put("acks", acks);
        cfg.put("compression.type", compression);
        cfg.put("linger.ms", "5");
        cfg.putAll(ClientOptions.parsePairs(producerProperties, "--producer-property"));
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        int lines = 0;
        try (FjordProducer<String, String> producer = new FjordProducer<>(cfg, new StringSerializer(), new StringSerializer());
             BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines++;
                String key = null;
                String value = line;
                if (parseKey) {
                    int at = line.indexOf(keySeparator);
                    if (at < 0) {
                        spec.commandLine().getErr().println("fjord produce: line " + lines + " has no key separator; skipped");
                        failed.incrementAndGet();
                        continue;
                    }
                    key = line.substring(0, at);
                    value = line.substring(at + keySeparator.length());
                }
                producer.send(new ProducerRecord<>(topic, partition, null, key, value, hs), (md, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
            producer.close(Duration.ofMillis(client.timeoutMs));
        }
        if (firstError.get() != null) {
            spec.commandLine().getErr().println("fjord produce: " + failed.get() + " of " + lines + " records failed: "
                    + firstError.get().getMessage());
            return 1;
        }
        return failed.get() == 0 ? 0 : 1;
    }
}
