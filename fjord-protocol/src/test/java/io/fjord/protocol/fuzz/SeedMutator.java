package io.fjord.protocol.fuzz;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A small, seeded, structure-blind mutator over a fuzz test's committed seed corpus, for the default suite's
 * generated inputs (Jazzer's regression mode replays seeds only; its fuzzing mode runs one test at a time and is
 * the long run's job). Mutations are the classic ones that break length fields: flipped bits, bytes set to
 * boundary values (0, 0x7f, 0x80, 0xff), big-endian ints set to -1 / 2^31-1 / large, truncation, duplication of
 * a slice, and splices of two seeds. The seed is fixed, so a failure reproduces; the failing input is written
 * to {@code target/fuzz-failures} to be committed as a regression seed.
 */
public final class SeedMutator {
    private SeedMutator() {
    }

    /** The seed files Jazzer reads for {@code testClass#method} (its {@code <Class>Inputs/<method>} resources). */
    public static List<byte[]> seeds(Class<?> testClass, String method) throws IOException, URISyntaxException {
        String dir = testClass.getSimpleName() + "Inputs/" + method;
        URL url = testClass.getResource(dir);
        if (url == null) throw new IllegalStateException("no seed corpus at " + dir + " next to " + testClass.getName());
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Paths.get(url.toURI()))) {
            for (Path p : files.sorted().toList()) out.add(Files.readAllBytes(p));
        }
        if (out.isEmpty()) throw new IllegalStateException("empty seed corpus " + dir);
        return out;
    }

    /**
     * Runs {@code target} once over the seeds without judging the outcome, so that class loading, Jazzer's
     * instrumentation and codec initialisation are not charged to the first input's allocation budget.
     */
    public static void warmUp(Class<?> testClass, String method, Consumer<byte[]> target) {
        try {
            for (byte[] s : seeds(testClass, method)) {
                try {
                    target.accept(s);
                } catch (RuntimeException | AssertionError ignored) {
                    // judged later, when the seed runs as a test
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code target} on every seed and on {@code mutants} mutants of them; returns how many inputs ran. */
    public static int forEachMutant(Class<?> testClass, String method, int mutants, long seed, Consumer<byte[]> target)
            throws IOException, URISyntaxException {
        List<byte[]> seeds = seeds(testClass, method);
        Random random = new Random(seed);
        int runs = 0;
        for (byte[] s : seeds) {
            run(target, s, testClass, method, -1);
            runs++;
        }
        for (int i = 0; i < mutants; i++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), seeds, random);
            run(target, input, testClass, method, i);
            runs++;
        }
        return runs;
    }

    private static void run(Consumer<byte[]> target, byte[] input, Class<?> testClass, String method, int index)
            throws IOException {
        try {
            target.accept(input);
        } catch (RuntimeException | AssertionError e) {
            Path dir = Paths.get("target", "fuzz-failures", testClass.getSimpleName() + "Inputs", method);
            Files.createDirectories(dir);
            Path file = dir.resolve("mutant-" + index);
            Files.write(file, input);
            throw new AssertionError("input " + index + " (saved to " + file.toAbsolutePath() + ") failed", e);
        }
    }

    static byte[] mutate(byte[] original, List<byte[]> seeds, Random random) {
        byte[] b = original.clone();
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds; r++) {
            if (b.length == 0) {
                b = new byte[] {(byte) random.nextInt(256)};
                continue;
            }
            int at = random.nextInt(b.length);
            switch (random.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = (byte) new int[] {0, 0x7f, 0x80, 0xff, 1}[random.nextInt(5)];
                case 2 -> {
                    if (at + 4 <= b.length) {
                        int v = new int[] {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 24, 0}[random.nextInt(5)];
                        b[at] = (byte) (v >>> 24);
                        b[at + 1] = (byte) (v >>> 16);
                        b[at + 2] = (byte) (v >>> 8);
                        b[at + 3] = (byte) v;
                    }
                }
                case 3 -> b = java.util.Arrays.copyOf(b, at);
                case 4 -> {
                    int len = Math.min(b.length - at, 1 + random.nextInt(16));
                    byte[] out = new byte[b.length + len];
                    System.arraycopy(b, 0, out, 0, at + len);
                    System.arraycopy(b, at, out, at + len, b.length - at);
                    b = out;
                }
                case 5 -> {
                    byte[] other = seeds.get(random.nextInt(seeds.size()));
                    int cut = random.nextInt(other.length + 1);
                    byte[] out = java.util.Arrays.copyOf(b, at + other.length - cut);
                    System.arraycopy(other, cut, out, at, other.length - cut);
                    b = out;
                }
                default -> b[at] = (byte) random.nextInt(256);
            }
        }
        return b;
    }
}
