package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * Figures for issue 13 (not a check; skipped unless {@code -Dfjord.console.figures=true}): console page load time
 * with 1,000 topics, and the CPU the console and metrics cost in a broker process, idle and under a produce load,
 * while Prometheus-like scrapes (every 5 s) and a console page's live charts (every 2 s) poll it. The console's
 * own threads (fjord-console: routes and scrapes; fjord-console-io: HTTP) are read from /proc next to the whole
 * process; the per-request recording on the hot path is timed separately (see the report).
 *
 * <p>mvn -B -o -pl fjord-it -am verify -Dtest=ConsoleFigures -Dfjord.console.figures=true -Dsurefire.failIfNoSpecifiedTests=false
 */
class ConsoleFigures {
    @Test
    void figures(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("fjord.console.figures"), "figures run on demand only");
        int port = Clients.freePort();
        int console = Clients.freePort();
        try (FjordProcess node = FjordProcess.startJava(tmp, tmp.resolve("node.out"), port, List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port, "log.dirs=" + tmp.resolve("data"), "num.io.threads=4",
                "fjord.console.listener=http://127.0.0.1:" + console, "offsets.topic.replication.factor=1"))) {
            node.awaitReady(Duration.ofSeconds(90));
            String bs = "127.0.0.1:" + port;
            // Idle: 60 s of scrapes and chart polls.
            double[] idle = measure(node.pid(), console, Duration.ofSeconds(60), null);
            System.out.printf("FIGURE idle 60 s: process CPU %.2f s, console threads %.3f s (%.2f %% of the process)%n",
                    idle[0], idle[1], 100 * idle[1] / idle[0]);
            // Under load: a producer as fast as it goes for 60 s.
            Clients.createTopic(bs, "load", 6);
            double[] busy = measure(node.pid(), console, Duration.ofSeconds(60), bs);
            System.out.printf("FIGURE produce 60 s (%.0f records): process CPU %.2f s, console threads %.3f s (%.2f %% of the process)%n",
                    busy[2], busy[0], busy[1], 100 * busy[1] / busy[0]);

            try (Admin admin = Clients.admin(bs)) {
                List<NewTopic> topics = new ArrayList<>();
                for (int i = 0; i < 1000; i++) topics.add(new NewTopic(String.format("t%04d", i), 1, (short) 1));
                for (int i = 0; i < 1000; i += 100) admin.createTopics(topics.subList(i, i + 100)).all().get(120, TimeUnit.SECONDS);
            }
            WebDriver browser = ConsoleBrowserTest.chromium();
            try {
                long[] loads = new long[5];
                for (int i = 0; i < loads.length; i++) {
                    browser.get("http://127.0.0.1:" + console + "/topics");
                    loads[i] = ((Number) ((JavascriptExecutor) browser).executeScript(
                            "var t = performance.getEntriesByType('navigation')[0]; return Math.round(t.loadEventEnd - t.startTime);")).longValue();
                }
                assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("#topics tr"))).hasSize(1002);
                Arrays.sort(loads);
                System.out.println("FIGURE /topics with 1002 topics, browser load ms (sorted): " + Arrays.toString(loads));
                browser.get("http://127.0.0.1:" + console + "/");
                long cluster = ((Number) ((JavascriptExecutor) browser).executeScript(
                        "var t = performance.getEntriesByType('navigation')[0]; return Math.round(t.loadEventEnd - t.startTime);")).longValue();
                System.out.println("FIGURE / (cluster) with 1002 topics, browser load ms: " + cluster);
            } finally {
                browser.quit();
            }
        }
    }

    /** [process CPU s, console threads CPU s, records sent] over the period, scraping and polling meanwhile. */
    private static double[] measure(long pid, int console, Duration period, String produceTo) throws Exception {
        double cpu0 = processCpu(pid), con0 = consoleCpu(pid);
        long end = System.nanoTime() + period.toNanos();
        long nextScrape = 0, nextPoll = 0;
        long sent = 0;
        KafkaProducer<String, String> p = produceTo == null ? null : Clients.producer(produceTo);
        try {
            String value = "x".repeat(200);
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (now >= nextScrape) {
                    PrometheusScrape.of(console);
                    nextScrape = now + 5_000_000_000L;
                }
                if (now >= nextPoll) {
                    PrometheusScrape.get(console, "/api/live");
                    nextPoll = now + 2_000_000_000L;
                }
                if (p != null) {
                    for (int i = 0; i < 1000; i++) p.send(new ProducerRecord<>("load", "k" + (sent++ % 1000), value));
                } else {
                    Thread.sleep(100); // idle: only the scrapes and polls above
                }
            }
            if (p != null) p.flush();
        } finally {
            if (p != null) p.close();
        }
        return new double[] {processCpu(pid) - cpu0, consoleCpu(pid) - con0, sent};
    }

    private static final double TICKS = 100.0; // USER_HZ on Linux

    private static double processCpu(long pid) throws Exception {
        return ticks(Files.readString(Path.of("/proc/" + pid + "/stat"))) / TICKS;
    }

    private static double consoleCpu(long pid) throws Exception {
        double total = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    if (comm.startsWith("fjord-console")) total += ticks(Files.readString(t.resolve("stat")));
                } catch (java.io.IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return total / TICKS;
    }

    /** utime + stime from a /proc stat line (fields 14 and 15, counted after the command in parentheses). */
    private static double ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Double.parseDouble(f[11]) + Double.parseDouble(f[12]);
    }
}
