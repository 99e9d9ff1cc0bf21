package io.fjord.bench;

import io.fjord.broker.metrics.BrokerMetrics;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the metrics add to each request on the broker's hot path: the network layer's per-request recording
 * (count, total-time histogram, error walk of a small Produce response) and the append hook (bytes/messages in).
 * Multiply by requests per second for the CPU share (issue 13's figure).
 *
 * <p>java -jar bench/target/fjord-bench.jar BrokerMetrics -f 1 -wi 2 -i 3
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BrokerMetricsBenchmark {
    private BrokerMetrics metrics;
    private ApiSpec produce;
    private Struct response;

    @Setup
    public void setup() {
        metrics = new BrokerMetrics(8);
        produce = Apis.byKey((short) 0);
        response = produce.newResponse();
        Struct topic = response.child("Responses").set("Name", "t");
        topic.add("PartitionResponses", topic.child("PartitionResponses").set("Index", 0).set("ErrorCode", (short) 0)
                .set("BaseOffset", 42L));
        response.add("Responses", topic);
    }

    @Benchmark
    public void produceRequestRecorded() {
        metrics.requestCompleted(produce, (short) 11, 1_234_567, response);
        metrics.handlerBusy(50_000);
        metrics.appended("t", 16_384, 100);
    }
}
