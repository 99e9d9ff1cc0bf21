package io.fjord.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scrape of a Prometheus text endpoint, parsed into series ({@code name{labels}} as written, labels sorted by
 * the writer) and values. Comment lines are skipped.
 */
final class PrometheusScrape {
    final String text;
    final Map<String, Double> series = new LinkedHashMap<>();

    private PrometheusScrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int cut = line.lastIndexOf(' ');
            series.put(line.substring(0, cut), Double.parseDouble(line.substring(cut + 1)));
        }
    }

    static PrometheusScrape of(int port) throws Exception {
        HttpResponse<String> r = get(port, "/metrics");
        if (r.statusCode() != 200) throw new AssertionError("/metrics answered " + r.statusCode() + ": " + r.body());
        return new PrometheusScrape(r.body());
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one series, 0 when absent (a counter not created yet). */
    double value(String name, String labels) {
        Double v = series.get(labels == null || labels.isEmpty() ? name : name + "{" + labels + "}");
        return v == null ? 0 : v;
    }

    /** The sum over the series of a metric whose labels contain {@code labelPart}. */
    double sum(String name, String labelPart) {
        double total = 0;
        for (var e : series.entrySet()) {
            if (e.getKey().startsWith(name + "{") && e.getKey().contains(labelPart)) total += e.getValue();
        }
        return total;
    }

    /** Whether any series of this metric name is present. */
    boolean has(String name) {
        for (String k : series.keySet()) if (k.equals(name) || k.startsWith(name + "{")) return true;
        return false;
    }
}
