package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the console's topic mutations (create, alter configs, delete) as form POSTs, checked with kafka-clients'
 * Admin; all refused with 403 while the console is read-only (the default), and bad input answered 400.
 */
class ConsoleMutationsTest {
    static HttpResponse<String> post(int port, String path, Map<String, String> form) throws Exception {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> form(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private static String topicConfig(Admin admin, String topic, String key) throws Exception {
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res).get(key).value();
    }

    @Test
    void createAlterDeleteWhenWritable(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir, Map.of("fjord.console.read.only", "false")).start();
             Admin admin = Clients.admin(broker.bootstrap())) {
            int port = broker.broker().consolePort();
            assertThat(PrometheusScrape.get(port, "/topics").body()).contains("id=create");

            HttpResponse<String> r = post(port, "/topics", form("name", "from-console", "partitions", "3", "replication", "1"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("Created topic");
            assertThat(admin.describeTopics(List.of("from-console")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("from-console").partitions()).hasSize(3);
            assertThat(PrometheusScrape.get(port, "/topics/from-console").body()).contains("id=alter", "id=delete");

            r = post(port, "/topics/from-console/configs", form("key", "retention.ms", "value", "3600000"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(topicConfig(admin, "from-console", "retention.ms")).isEqualTo("3600000");
            assertThat(PrometheusScrape.get(port, "/topics/from-console").body()).contains("retention.ms", "3600000");
            r = post(port, "/topics/from-console/configs", form("key", "retention.ms", "op", "delete"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(topicConfig(admin, "from-console", "retention.ms")).isEqualTo("604800000");

            // Bad input: the admin's own validation, as 400 pages with its message.
            r = post(port, "/topics/from-console/configs", form("key", "retention.ms", "value", "soon"));
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("INVALID_CONFIG");
            r = post(port, "/topics", form("name", "from-console"));
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("TOPIC_ALREADY_EXISTS");
            assertThat(post(port, "/topics", form("name", "x", "partitions", "many")).statusCode()).isEqualTo(400);
            assertThat(post(port, "/topics", form("name", "bad name!")).statusCode()).isEqualTo(400);
            assertThat(post(port, "/topics/no-such/delete", form()).statusCode()).isEqualTo(404);

            r = post(port, "/topics/from-console/delete", form());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("from-console");
            assertThat(PrometheusScrape.get(port, "/topics/from-console").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void everyMutationIsRefusedWhileReadOnly(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir).start(); Admin admin = Clients.admin(broker.bootstrap())) {
            int port = broker.broker().consolePort();
            Clients.createTopic(broker.bootstrap(), "kept", 1);
            assertThat(PrometheusScrape.get(port, "/topics").body()).doesNotContain("id=create");
            assertThat(PrometheusScrape.get(port, "/topics/kept").body()).doesNotContain("id=alter").doesNotContain("id=delete");

            assertThat(post(port, "/topics", form("name", "refused")).statusCode()).isEqualTo(403);
            assertThat(post(port, "/topics/kept/configs", form("key", "retention.ms", "value", "1000")).statusCode()).isEqualTo(403);
            assertThat(post(port, "/topics/kept/delete", form()).statusCode()).isEqualTo(403);

            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("kept").doesNotContain("refused");
            assertThat(topicConfig(admin, "kept", "retention.ms")).isEqualTo("604800000");
        }
    }
}
