package io.fjord.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopping node says what it waits on (issue 13): captured from the broker's log, every shutdown step of a
 * three-node cluster's node is announced and ends, in order (controlled shutdown first, the metadata quorum last).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ShutdownProgressLogTest {
    @TempDir
    Path dir;

    @Test
    void everyShutdownStepIsAnnouncedAndEnds() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 3, Map.of()).start()) {
            Clients.createTopic(cluster.bootstrap(), "t", 3);
            cluster.awaitTopicEverywhere("t");
            int id = cluster.activeController() == 3 ? 2 : 3;
            List<String> lines;
            try (ClientLogCapture capture = new ClientLogCapture("io.fjord.broker.FjordBroker", "node " + id + " stopping: ")) {
                cluster.stop(id);
                lines = capture.lines();
            }
            List<String> steps = List.of("controlled shutdown", "listeners to close", "requests in flight",
                    "transaction coordinator unload", "group coordinator unload", "replica fetchers and purgatory",
                    "logs to flush and close", "metadata quorum (controller) to stop");
            int at = -1;
            for (String step : steps) {
                int waiting = indexOf(lines, "stopping: waiting for " + step);
                int done = indexOf(lines, "stopping: " + step);
                assertThat(waiting).as("%s announced in %s", step, lines).isGreaterThan(at);
                assertThat(lines.stream().anyMatch(l -> l.contains("stopping: " + step) && l.matches(".* done in \\d+ ms")))
                        .as("%s ends in %s", step, lines).isTrue();
                assertThat(done).isGreaterThanOrEqualTo(0);
                at = waiting;
            }
        }
    }

    private static int indexOf(List<String> lines, String fragment) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(fragment)) return i;
        return -1;
    }
}
