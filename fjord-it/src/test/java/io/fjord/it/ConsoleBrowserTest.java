package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Issue 13, checks 1 and 5: the web console in a real headless Chromium (Debian's chromium + chromedriver), one
 * browser session for every page, against a broker with a topic kafka-clients wrote and a live group with lag.
 * Screenshots go to target/console-*.png. Bad URLs answer 404 / 400 with a message, the read-only console refuses a
 * reset, and the broker keeps serving afterwards.
 */
class ConsoleBrowserTest {
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    @Test
    void pagesShowWhatKafkaClientsWroteAndTheGroupsRealLag(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir).start(); Admin admin = Clients.admin(broker.bootstrap())) {
            String bs = broker.bootstrap();
            String base = "http://127.0.0.1:" + broker.broker().consolePort();
            Clients.createTopic(bs, TOPIC, 2);
            try (KafkaProducer<String, String> p = Clients.producer(bs)) {
                for (int i = 0; i < 100; i++) {
                    p.send(new ProducerRecord<>(TOPIC, i % 2, "order-" + i, "{\"id\":" + i + ",\"item\":\"apple-" + i + "\"}"));
                }
                p.flush();
            }
            try (KafkaConsumer<String, String> member = Clients.consumer(bs, Map.of("group.id", GROUP, "max.poll.records", "20"))) {
                member.subscribe(List.of(TOPIC));
                int[] got = {0};
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    got[0] += member.poll(Duration.ofMillis(200)).count();
                    return got[0] >= 30;
                });
                member.commitSync();
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                var ends = admin.listOffsets(Map.of(new TopicPartition(TOPIC, 0), OffsetSpec.latest(),
                        new TopicPartition(TOPIC, 1), OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS);
                long realLag = 0;
                for (var e : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    realLag += e.getValue().offset() - (c == null ? 0 : c.offset());
                }
                assertThat(realLag).isBetween(1L, 70L);

                WebDriver browser = chromium();
                try {
                    browser.get(base + "/");
                    assertThat(browser.findElement(By.id("controller")).getText()).isEqualTo("node 1");
                    assertThat(browser.findElement(By.id("brokers")).getText()).contains("127.0.0.1:" + broker.port());
                    assertThat(browser.findElement(By.id("under-replicated")).getText()).isEqualTo("0");
                    // Live charts: ECharts draws a canvas and the page keeps sampling without a reload.
                    WebElement bytesChart = browser.findElement(By.id("chart-bytes"));
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                            Integer.parseInt(nonEmpty(bytesChart.getDomAttribute("data-samples"))) >= 2);
                    assertThat(bytesChart.findElements(By.tagName("canvas"))).isNotEmpty();
                    screenshot(browser, "cluster");

                    browser.get(base + "/topics");
                    WebElement row = browser.findElement(By.xpath("//table[@id='topics']//tr[td/a[text()='" + TOPIC + "']]"));
                    assertThat(row.findElements(By.tagName("td")).get(1).getText()).isEqualTo("2");
                    screenshot(browser, "topics");

                    row.findElement(By.tagName("a")).click();
                    String partitions = browser.findElement(By.id("partitions")).getText();
                    assertThat(partitions).contains("0 1 [1] [1] 0 50").contains("1 1 [1] [1] 0 50");
                    screenshot(browser, "topic");

                    browser.get(base + "/topics/" + TOPIC + "/0/messages?order=oldest&format=json");
                    List<WebElement> rows = browser.findElements(By.cssSelector("#messages tr"));
                    assertThat(rows).hasSize(51); // header + 50 records of partition 0
                    assertThat(rows.get(1).findElement(By.className("key")).getText()).isEqualTo("order-0");
                    assertThat(rows.get(1).findElement(By.className("value")).getText()).contains("\"item\": \"apple-0\"");
                    screenshot(browser, "messages");
                    browser.get(base + "/topics/" + TOPIC + "/0/messages?limit=5");
                    rows = browser.findElements(By.cssSelector("#messages tr"));
                    assertThat(rows).hasSize(6);
                    assertThat(rows.get(1).findElement(By.tagName("td")).getText()).as("newest first").isEqualTo("49");
                    assertThat(rows.get(1).findElement(By.className("key")).getText()).isEqualTo("order-98");
                    browser.get(base + "/topics/" + TOPIC + "/1/messages?filter=apple-43%22&format=text");
                    rows = browser.findElements(By.cssSelector("#messages tr"));
                    assertThat(rows).hasSize(2);
                    assertThat(rows.get(1).findElement(By.className("key")).getText()).isEqualTo("order-43");
                    browser.get(base + "/topics/" + TOPIC + "/1/messages?offset=0&order=oldest&format=hex&limit=1");
                    assertThat(browser.findElement(By.className("key")).getText()).isEqualTo(hex("order-1"));

                    browser.get(base + "/groups");
                    assertThat(browser.findElement(By.id("groups")).getText()).contains(GROUP + " Stable consumer");
                    browser.findElement(By.linkText(GROUP)).click();
                    assertThat(browser.findElement(By.id("state")).getText()).isEqualTo("Stable");
                    assertThat(browser.findElement(By.id("members")).getText()).contains(TOPIC + "-0").contains(TOPIC + "-1");
                    assertThat(browser.findElement(By.id("total-lag")).getText()).isEqualTo(Long.toString(realLag));
                    WebElement lagChart = browser.findElement(By.id("chart-lag"));
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                            Integer.parseInt(nonEmpty(lagChart.getDomAttribute("data-samples"))) >= 2);
                    assertThat(Double.parseDouble(lagChart.getDomAttribute("data-latest"))).isEqualTo((double) realLag);
                    assertThat(browser.findElements(By.id("reset"))).as("no reset form while read-only").isEmpty();
                    screenshot(browser, "group");

                    // Bad input (check 5): the pages say what is wrong, with the right status.
                    browser.get(base + "/topics/nope");
                    assertThat(browser.findElement(By.tagName("main")).getText()).contains("No topic nope.");
                    browser.get(base + "/topics/" + TOPIC + "/0/messages?offset=abc");
                    assertThat(browser.findElement(By.className("error")).getText()).isEqualTo("offset must be a whole number, not 'abc'.");
                    screenshot(browser, "bad-offset");
                } finally {
                    browser.quit();
                }
                assertThat(status(base + "/topics/nope")).isEqualTo(404);
                assertThat(status(base + "/topics/" + TOPIC + "/7/messages")).isEqualTo(404);
                assertThat(status(base + "/topics/" + TOPIC + "/x/messages")).isEqualTo(400);
                assertThat(status(base + "/topics/" + TOPIC + "/0/messages?offset=abc")).isEqualTo(400);
                assertThat(status(base + "/topics/" + TOPIC + "/0/messages?timestamp=yesterday")).isEqualTo(400);
                assertThat(status(base + "/topics/" + TOPIC + "/0/messages?offset=-4")).isEqualTo(400);
                assertThat(status(base + "/groups/nope")).isEqualTo(404);
                assertThat(status(base + "/api/groups/nope/lag")).isEqualTo(404);
                HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/groups/" + GROUP + "/reset"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("to=earliest")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(post.statusCode()).isEqualTo(403);
                assertThat(post.body()).contains("read-only");
                assertThat(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                        .as("nothing was reset").isEqualTo(committed);
            }
            // Nothing above hurt the broker.
            try (KafkaProducer<String, String> p = Clients.producer(bs)) {
                assertThat(p.send(new ProducerRecord<>(TOPIC, 0, "after", "console")).get(30, TimeUnit.SECONDS).offset()).isEqualTo(50);
            }
        }
    }

    /**
     * A writable console ({@code fjord.console.read.only=false}), one browser session: create a topic with the form on
     * /topics, set a config with the topic page's form, reset an inactive group to earliest with the group page's
     * form, delete the topic; each result checked with kafka-clients' Admin.
     */
    @Test
    void writableConsoleCreatesAltersAndDeletesTopicsAndResetsAGroup(@TempDir Path dir) throws Exception {
        try (TestBroker broker = new TestBroker(dir, Map.of("fjord.console.read.only", "false")).start();
             Admin admin = Clients.admin(broker.bootstrap())) {
            String bs = broker.bootstrap();
            String base = "http://127.0.0.1:" + broker.broker().consolePort();
            String topic = "made-in-browser";
            String group = "resettable";
            WebDriver browser = chromium();
            try {
                browser.get(base + "/topics");
                WebElement create = browser.findElement(By.id("create"));
                create.findElement(By.name("name")).sendKeys(topic);
                create.findElement(By.name("partitions")).sendKeys("2");
                create.findElement(By.tagName("button")).click();
                assertThat(browser.findElement(By.id("result")).getText()).isEqualTo("Created topic " + topic + ".");
                assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()).hasSize(2);
                screenshot(browser, "created");

                browser.findElement(By.linkText(topic)).click();
                WebElement alter = browser.findElement(By.id("alter"));
                alter.findElement(By.name("key")).sendKeys("retention.ms");
                alter.findElement(By.name("value")).sendKeys("3600000");
                alter.findElement(By.tagName("button")).click();
                assertThat(browser.findElement(By.id("result")).getText()).isEqualTo("Set retention.ms on " + topic + ".");
                org.apache.kafka.common.config.ConfigResource res =
                        new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res).get("retention.ms").value())
                        .isEqualTo("3600000");

                try (KafkaProducer<String, String> p = Clients.producer(bs)) {
                    for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
                    p.flush();
                }
                TopicPartition tp = new TopicPartition(topic, 0);
                try (KafkaConsumer<String, String> c = Clients.consumer(bs, Map.of("group.id", group))) {
                    c.assign(List.of(tp));
                    c.commitSync(Map.of(tp, new OffsetAndMetadata(10)));
                }
                browser.get(base + "/groups/" + group);
                WebElement reset = browser.findElement(By.id("reset"));
                reset.findElement(By.tagName("button")).click(); // the first choice: earliest
                // The group page answers the POST with itself: wait for the new page, not the one the click left.
                Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                        browser.findElement(By.tagName("main")).getText().contains("Reset 1 partition(s) to earliest."));
                assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(tp).offset())
                        .isZero();
                screenshot(browser, "reset");

                browser.get(base + "/topics/" + topic);
                browser.findElement(By.id("delete")).findElement(By.tagName("button")).click();
                assertThat(browser.findElement(By.id("result")).getText()).startsWith("Deleted topic " + topic + ".");
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
                screenshot(browser, "deleted");
            } finally {
                browser.quit();
            }
        }
    }

    static WebDriver chromium() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        WebDriver d = new ChromeDriver(service, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).implicitlyWait(Duration.ofSeconds(5));
        return d;
    }

    static void screenshot(WebDriver d, String name) throws Exception {
        Path out = Path.of("target", "console-" + name + ".png");
        Files.createDirectories(out.getParent());
        Files.write(out, ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
    }

    private static int status(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? "0" : s;
    }

    private static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) b.append(String.format("%02x", x));
        return b.toString();
    }
}
