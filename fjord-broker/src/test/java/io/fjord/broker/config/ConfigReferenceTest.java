package io.fjord.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generated configuration reference covers every key the broker reads and is up to date. "Reads" is found by
 * scanning the broker's main sources for {@code config.get*("key")} calls, plus every key with a default.
 */
class ConfigReferenceTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path DOC = ROOT.resolve("docs/configuration.md");
    private static final Pattern READ = Pattern.compile("config\\.get[A-Za-z]*\\(\"([a-z0-9._-]+)\"");

    static Set<String> keysReadInMainCode() throws IOException {
        Set<String> keys = new TreeSet<>();
        for (String module : List.of("fjord-broker", "fjord-storage", "fjord-metadata", "fjord-cli")) {
            Path src = ROOT.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = READ.matcher(Files.readString(f));
                    while (m.find()) keys.add(m.group(1));
                }
            }
        }
        return keys;
    }

    @Test
    void everyKeyTheBrokerReadsOrDefaultsIsInTheReference() throws IOException {
        Set<String> read = keysReadInMainCode();
        assertThat(read).as("the scan found the broker's reads").contains("num.io.threads", "broker.rack", "fjord.console.read.only");
        Set<String> missing = new TreeSet<>(read);
        missing.addAll(BrokerConfig.DEFAULTS.keySet());
        missing.removeAll(ConfigDefinitions.ALL.keySet());
        assertThat(missing).as("keys without a ConfigDefinitions entry (add one, then regenerate docs/configuration.md)").isEmpty();
        for (ConfigDefinitions.Definition d : ConfigDefinitions.ALL.values()) {
            assertThat(d.description()).as(d.key()).isNotBlank();
        }
        assertThat(ConfigDefinitions.ALL.get("log.retention.ms").dynamic()).isTrue();
        assertThat(ConfigDefinitions.ALL.get("num.io.threads").dynamic()).isFalse();
    }

    @Test
    void theDocumentIsUpToDate() throws IOException {
        String generated = ConfigDefinitions.markdown();
        if (Boolean.getBoolean("fjord.config.reference.write")) Files.writeString(DOC, generated, StandardCharsets.UTF_8);
        assertThat(Files.exists(DOC)).as(DOC + " exists").isTrue();
        assertThat(Files.readString(DOC)).as("docs/configuration.md is stale: run ConfigReferenceTest with -Dfjord.config.reference.write=true")
                .isEqualTo(generated);
        assertThat(generated).contains("| `num.io.threads` | int | `8` |", "| `log.retention.ms` | long | (empty) |",
                "| `ssl.keystore.password` | password | (empty) |");
    }
}
