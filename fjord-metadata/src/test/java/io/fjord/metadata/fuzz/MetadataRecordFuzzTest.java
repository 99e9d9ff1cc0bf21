package io.fjord.metadata.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fjord.metadata.MetadataLog;
import io.fjord.metadata.MetadataRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the metadata-log reader, {@link MetadataLog#parseRecord}, which reads every line of the metadata log and
 * of its snapshots. Properties: a malformed line raises {@link IllegalArgumentException} and nothing else (the
 * state machine skips such an entry); a line that parses formats back to a line that parses to an equal record;
 * every input ends. Seeds: one line per record type, committed next to this class.
 */
class MetadataRecordFuzzTest {
    private static final String SEEDS = "MetadataRecordFuzzTestInputs/parseRecordLine";
    /** Seeds that are malformed on purpose: inputs that once escaped with another exception (files regression-*). */
    private static final List<String> REGRESSIONS = List.of("groupconfigs g1 consumer.");

    // Limits of one -Pfuzz-long run (fuzzing mode); the default suite replays the seeds only.
    @FuzzTest(maxDuration = "3m", maxExecutions = 2_000_000)
    void parseRecordLine(byte[] input) {
        String line = new String(input, StandardCharsets.UTF_8);
        MetadataRecord record;
        try {
            record = MetadataLog.parseRecord(line);
        } catch (IllegalArgumentException expected) {
            return; // the documented outcome for a malformed line
        }
        String again = MetadataLog.formatRecord(record);
        assertThat(MetadataLog.parseRecord(again)).as("re-read of %s (from %s)", again, line).isEqualTo(record);
    }

    @Test
    void everySeedIsAValidLine() throws Exception {
        List<byte[]> seeds = seeds();
        assertThat(seeds).hasSizeGreaterThanOrEqualTo(15);
        for (byte[] s : seeds) {
            String line = new String(s, StandardCharsets.UTF_8);
            if (REGRESSIONS.contains(line)) continue;
            MetadataLog.parseRecord(line);
        }
    }

    /** A few thousand mutants of the seeds (fixed seed): dropped, doubled or swapped fields and separators. */
    @Test
    @Timeout(120)
    void mutatedSeeds() throws Exception {
        List<byte[]> seeds = seeds();
        Random random = new Random(0x3e7a_da7aL);
        String alphabet = " ;:,&=@%-r0123456789abcdefAZ\u00e9";
        for (int i = 0; i < 5000; i++) {
            StringBuilder s = new StringBuilder(new String(seeds.get(random.nextInt(seeds.size())), StandardCharsets.UTF_8));
            for (int k = 1 + random.nextInt(3); k > 0 && !s.isEmpty(); k--) {
                int at = random.nextInt(s.length());
                switch (random.nextInt(4)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 2 -> s.setLength(at);
                    default -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            byte[] input = s.toString().getBytes(StandardCharsets.UTF_8);
            try {
                parseRecordLine(input);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("mutant " + i + " failed: " + s, e);
            }
        }
    }

    private static List<byte[]> seeds() throws Exception {
        URL url = MetadataRecordFuzzTest.class.getResource(SEEDS);
        assertThat(url).as("seed corpus " + SEEDS).isNotNull();
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Paths.get(url.toURI()))) {
            for (Path p : files.sorted().toList()) out.add(Files.readAllBytes(p));
        }
        return out;
    }
}
