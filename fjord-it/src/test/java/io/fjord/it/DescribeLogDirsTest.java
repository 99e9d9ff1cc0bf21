package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.broker.handlers.ApiVersionsHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.protocol.api.AlterPartitionApi;
import io.fjord.protocol.api.AlterPartitionReassignmentsApi;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.api.DescribeLogDirsApi;
import io.fjord.protocol.api.ElectLeadersApi;
import io.fjord.protocol.api.ListPartitionReassignmentsApi;
import io.fjord.protocol.api.OffsetForLeaderEpochApi;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeLogDirs (key 35) through kafka-clients' Admin ({@code describeLogDirs}, {@code describeReplicaLogDirs}) and
 * the raw codec at the oldest version: which dir holds each replica, sizes equal to the segment files on disk, lag 0
 * on a single node, the volume's figures, a vanished dir answering KAFKA_STORAGE_ERROR; and ApiVersions advertising
 * exactly the described APIs that are served.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DescribeLogDirsTest {
    private static final String TOPIC = "dirs";

    @Test
    void adminSeesEveryReplicaInItsDirWithItsSize(@TempDir Path tmp) throws Exception {
        Path d1 = tmp.resolve("d1").toAbsolutePath();
        Path d2 = tmp.resolve("d2").toAbsolutePath();
        try (TestBroker b = new TestBroker(tmp, Map.of("log.dirs", d1 + "," + d2)).start();
             Admin admin = Clients.admin(b.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // Partitions 0-2 get 5, 10, 15 records; partition 3 stays empty.
            try (KafkaProducer<String, String> p = Clients.producer(b.bootstrap())) {
                for (int part = 0; part < 3; part++) {
                    for (int i = 0; i < 5 * (part + 1); i++) {
                        p.send(new ProducerRecord<>(TOPIC, part, "k" + i, "v".repeat(100 + i))).get(30, TimeUnit.SECONDS);
                    }
                }
            }

            Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(1)).allDescriptions()
                    .get(30, TimeUnit.SECONDS).get(1);
            assertThat(dirs).containsOnlyKeys(d1.toString(), d2.toString());
            Map<TopicPartition, String> where = new HashMap<>();
            for (Path d : List.of(d1, d2)) {
                LogDirDescription desc = dirs.get(d.toString());
                assertThat(desc.error()).as(d + " error").isNull();
                FileStore store = Files.getFileStore(d);
                assertThat(desc.totalBytes()).as("total bytes of " + d).hasValue(store.getTotalSpace());
                assertThat(desc.usableBytes().getAsLong()).as("usable bytes of " + d).isPositive()
                        .isLessThanOrEqualTo(store.getTotalSpace());
                assertThat(desc.isCordoned()).isFalse();
                for (Map.Entry<TopicPartition, ReplicaInfo> e : desc.replicaInfos().entrySet()) {
                    TopicPartition tp = e.getKey();
                    if (!tp.topic().equals(TOPIC)) continue; // e.g. __consumer_offsets
                    assertThat(where.put(tp, d.toString())).as(tp + " listed once").isNull();
                    Path folder = d.resolve(tp.topic() + "-" + tp.partition());
                    assertThat(folder).as(tp + " lives where it is reported").isDirectory();
                    ReplicaInfo info = e.getValue();
                    assertThat(info.size()).as(tp + " size = its segment files").isEqualTo(segmentBytes(folder));
                    assertThat(info.offsetLag()).as(tp + " lag (leader)").isZero();
                    assertThat(info.isFuture()).isFalse();
                }
            }
            assertThat(where).containsOnlyKeys(tp(0), tp(1), tp(2), tp(3));
            // Two per dir (new partitions go to the dir with the fewest).
            assertThat(where.values().stream().filter(d1.toString()::equals)).hasSize(2);
            assertThat(dirs.get(where.get(tp(3))).replicaInfos().get(tp(3)).size()).as("empty partition").isZero();
            long s0 = dirs.get(where.get(tp(0))).replicaInfos().get(tp(0)).size();
            long s2 = dirs.get(where.get(tp(2))).replicaInfos().get(tp(2)).size();
            assertThat(s0).isPositive().isLessThan(s2);

            // describeReplicaLogDirs asks for specific partitions; one this broker does not hold gets no dir.
            TopicPartitionReplica r0 = new TopicPartitionReplica(TOPIC, 0, 1);
            TopicPartitionReplica r3 = new TopicPartitionReplica(TOPIC, 3, 1);
            TopicPartitionReplica missing = new TopicPartitionReplica(TOPIC, 9, 1);
            Map<TopicPartitionReplica, ReplicaLogDirInfo> replicas = admin.describeReplicaLogDirs(List.of(r0, r3, missing))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(replicas.get(r0).getCurrentReplicaLogDir()).isEqualTo(where.get(tp(0)));
            assertThat(replicas.get(r0).getCurrentReplicaOffsetLag()).isZero();
            assertThat(replicas.get(r0).getFutureReplicaLogDir()).isNull();
            assertThat(replicas.get(r3).getCurrentReplicaLogDir()).isEqualTo(where.get(tp(3)));
            assertThat(replicas.get(missing).getCurrentReplicaLogDir()).isNull();
            assertThat(replicas.get(missing).getCurrentReplicaOffsetLag()).isEqualTo(-1);

            // The oldest version (v1, not flexible), filtered: only asked partitions this broker holds come back.
            try (RawClient raw = new RawClient(b.port())) {
                Struct req = DescribeLogDirsApi.SPEC.newRequest();
                req.add("Topics", req.child("Topics").set("Topic", TOPIC).set("Partitions", List.of(1, 2, 99)));
                req.add("Topics", req.child("Topics").set("Topic", "no-such-topic").set("Partitions", List.of(0)));
                Struct resp = raw.request(DescribeLogDirsApi.SPEC, (short) 1, req);
                Map<TopicPartition, Long> sizes = new HashMap<>();
                assertThat(resp.getStructs("Results")).hasSize(2);
                for (Struct dir : resp.getStructs("Results")) {
                    assertThat(dir.getShort("ErrorCode")).isZero();
                    for (Struct t : dir.getStructs("Topics")) {
                        assertThat(t.getStructs("Partitions")).as("a topic is listed only with partitions").isNotEmpty();
                        for (Struct p : t.getStructs("Partitions")) {
                            TopicPartition tp = new TopicPartition(t.getString("Name"), p.getInt("PartitionIndex"));
                            assertThat(dir.getString("LogDir")).isEqualTo(where.get(tp));
                            sizes.put(tp, p.getLong("PartitionSize"));
                        }
                    }
                }
                assertThat(sizes).containsOnlyKeys(tp(1), tp(2));
                assertThat(sizes.get(tp(2))).isEqualTo(s2);
            }
        }
    }

    @Test
    void aVanishedLogDirAnswersKafkaStorageError(@TempDir Path tmp) throws Exception {
        Path d1 = tmp.resolve("d1").toAbsolutePath();
        Path d2 = tmp.resolve("d2").toAbsolutePath();
        try (TestBroker b = new TestBroker(tmp, Map.of("log.dirs", d1 + "," + d2)).start();
             Admin admin = Clients.admin(b.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertThat(d1.resolve(TOPIC + "-0")).as("the one partition goes to the first dir").isDirectory();
            // The dir disappears from under the broker (as an unmounted disk would). It is moved, not deleted, so
            // that it can come back before the clean shutdown writes into its partitions.
            Path away = tmp.resolve("d2-away");
            Files.move(d2, away, StandardCopyOption.ATOMIC_MOVE);
            try {
                Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(1)).allDescriptions()
                        .get(30, TimeUnit.SECONDS).get(1);
                assertThat(dirs.get(d2.toString()).error()).isInstanceOf(KafkaStorageException.class);
                assertThat(dirs.get(d2.toString()).replicaInfos()).isEmpty();
                assertThat(dirs.get(d1.toString()).error()).isNull();
                assertThat(dirs.get(d1.toString()).replicaInfos()).containsKey(tp(0));
            } finally {
                Files.move(away, d2, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /**
     * A described API is advertised only if the broker serves it: every API Fjord can encode but does not list in
     * ApiVersions closes the connection, as any unknown API does. DescribeLogDirs is listed with Kafka 4.4's range.
     */
    @Test
    void apiVersionsListsOnlyServedApis(@TempDir Path tmp) throws Exception {
        try (TestBroker b = new TestBroker(tmp).start()) {
            Map<Short, short[]> advertised = new HashMap<>();
            try (RawClient raw = new RawClient(b.port())) {
                Struct req = ApiVersionsApi.SPEC.newRequest().set("ClientSoftwareName", "fjord-it")
                        .set("ClientSoftwareVersion", "1");
                for (Struct k : raw.request(ApiVersionsApi.SPEC, (short) 3, req).getStructs("ApiKeys")) {
                    advertised.put(k.getShort("ApiKey"), new short[] {k.getShort("MinVersion"), k.getShort("MaxVersion")});
                }
            }
            assertThat(advertised.get(DescribeLogDirsApi.KEY)).containsExactly(1, 5);
            for (ApiSpec spec : Apis.all()) {
                if (advertised.containsKey(spec.key())) continue;
                try (RawClient raw = new RawClient(b.port())) {
                    raw.writeRaw(RawClient.sizePrefixed(RawClient.encode(spec, spec.highest(), 1, spec.newRequest())));
                    raw.assertClosedByBroker();
                }
            }
        }
    }

    /** The other direction: a description alone never gets an API advertised; only a registered handler does. */
    @Test
    void aDescriptionWithoutAHandlerIsNotAdvertised() throws Exception {
        Set<Short> served = Set.of(ApiVersionsApi.KEY, DescribeLogDirsApi.KEY);
        assertThat(Apis.all()).extracting(ApiSpec::key).contains(OffsetForLeaderEpochApi.KEY, AlterPartitionApi.KEY,
                ElectLeadersApi.KEY, AlterPartitionReassignmentsApi.KEY, ListPartitionReassignmentsApi.KEY);
        RequestContext ctx = new RequestContext(new RequestHeader(ApiVersionsApi.KEY, (short) 3, 1, "t"),
                ApiVersionsApi.SPEC, null, "PLAINTEXT");
        Struct resp = new ApiVersionsHandler(served, () -> io.fjord.metadata.FeaturesImage.DEFAULT).handle(ctx, ApiVersionsApi.SPEC.newRequest()).get(30, TimeUnit.SECONDS);
        assertThat(resp.getStructs("ApiKeys")).extracting(k -> k.getShort("ApiKey"))
                .containsExactlyInAnyOrderElementsOf(served);
    }

    private static TopicPartition tp(int p) {
        return new TopicPartition(TOPIC, p);
    }

    private static long segmentBytes(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            long total = 0;
            for (Path f : s.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) total += Files.size(f);
            return total;
        }
    }
}
