package io.fjord.broker.security;

/** The two SCRAM mechanisms Kafka offers (RFC 5802 with the hashes of RFC 7677 and SHA-512), and their JDK names. */
public enum ScramMechanism {
    SHA_256("SCRAM-SHA-256", "SHA-256", "HmacSHA256", (byte) 1),
    SHA_512("SCRAM-SHA-512", "SHA-512", "HmacSHA512", (byte) 2);

    /** Kafka's lower bound on iterations for credentials it accepts (AlterUserScramCredentials). */
    public static final int MIN_ITERATIONS = 4096;

    private final String mechanismName;
    private final String hashAlgorithm;
    private final String macAlgorithm;
    private final byte type;

    ScramMechanism(String mechanismName, String hashAlgorithm, String macAlgorithm, byte type) {
        this.mechanismName = mechanismName;
        this.hashAlgorithm = hashAlgorithm;
        this.macAlgorithm = macAlgorithm;
        this.type = type;
    }

    public String mechanismName() {
        return mechanismName;
    }

    public String hashAlgorithm() {
        return hashAlgorithm;
    }

    public String macAlgorithm() {
        return macAlgorithm;
    }

    /** The mechanism's code in AlterUserScramCredentials / DescribeUserScramCredentials (Kafka's ScramMechanism). */
    public byte type() {
        return type;
    }

    public static ScramMechanism forName(String name) {
        for (ScramMechanism m : values()) if (m.mechanismName.equalsIgnoreCase(name)) return m;
        return null;
    }

    public static ScramMechanism forType(byte type) {
        for (ScramMechanism m : values()) if (m.type == type) return m;
        return null;
    }
}
