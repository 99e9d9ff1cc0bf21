package io.fjord.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key and trust stores made for one test run with the JDK's {@code keytool} (as a process): self-signed EC
 * certificates valid for two days, PKCS12, one password. Nothing is committed; everything lives in the test's
 * temporary folder.
 */
final class TestCertificates {
    static final String PASSWORD = "test-store-pw";
    private final Path dir;

    TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** A key store holding a new key pair and self-signed certificate for {@code dname}; its certificate file beside it. */
    Path keyStore(String name, String dname) throws IOException, InterruptedException {
        return keyStore(name, dname, "+0d");
    }

    /**
     * A key store whose certificate was signed by the CA {@code ca} (made by {@link #keyStore} first) and expired
     * days ago (valid from 10 days ago, for 2). Trust the CA, not this certificate: a certificate trusted directly
     * is a trust anchor, whose dates PKIX does not check.
     */
    Path expiredKeyStore(String name, String dname, String ca) throws IOException, InterruptedException {
        Path ks = keyStore(name, dname, "+0d");
        Path csr = dir.resolve(name + ".csr");
        Path signed = dir.resolve(name + "-signed.crt");
        keytool("-certreq", "-keystore", ks.toString(), "-storepass", PASSWORD, "-alias", name, "-file", csr.toString());
        keytool("-gencert", "-keystore", dir.resolve(ca + ".p12").toString(), "-storepass", PASSWORD, "-alias", ca,
                "-infile", csr.toString(), "-outfile", signed.toString(), "-startdate", "-10d", "-validity", "2");
        keytool("-importcert", "-noprompt", "-keystore", ks.toString(), "-storepass", PASSWORD, "-alias", ca,
                "-file", dir.resolve(ca + ".crt").toString());
        keytool("-importcert", "-noprompt", "-keystore", ks.toString(), "-storepass", PASSWORD, "-alias", name,
                "-file", signed.toString());
        return ks;
    }

    private Path keyStore(String name, String dname, String start) throws IOException, InterruptedException {
        Path ks = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-keypass", PASSWORD, "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "bc:c", "-startdate", start, "-validity", "2");
        keytool("-exportcert", "-keystore", ks.toString(), "-storepass", PASSWORD, "-alias", name,
                "-file", dir.resolve(name + ".crt").toString());
        return ks;
    }

    /** A trust store holding the certificates of the named key stores (made by {@link #keyStore}). */
    Path trustStore(String name, String... trusted) throws IOException, InterruptedException {
        Path ts = dir.resolve(name + ".p12");
        for (String t : trusted) {
            keytool("-importcert", "-noprompt", "-keystore", ts.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                    "-alias", t, "-file", dir.resolve(t + ".crt").toString());
        }
        return ts;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // A keytool run lives for one key or certificate: the C1 compiler only and the serial collector halve its
        // start-up (measured 1.8 s -> 0.9 s on a loaded test machine), and tests make several stores each.
        cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IOException("keytool did not finish: " + cmd);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) throw new IOException("keytool failed (" + p.exitValue() + "): " + out);
        } finally {
            p.destroyForcibly();
        }
    }
}
