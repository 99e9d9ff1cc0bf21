package io.fjord.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the server keeps of a SCRAM password (RFC 5802 section 3): salt, iteration count, StoredKey = H(ClientKey)
 * and ServerKey — enough to check a client's proof and to prove itself, never enough to log in as the user.
 * Immutable value.
 */
public record ScramCredential(ScramMechanism mechanism, byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
    /** From the salted password (what AlterUserScramCredentials carries; the password itself never travels). */
    public static ScramCredential fromSaltedPassword(ScramMechanism m, byte[] salt, byte[] saltedPassword, int iterations) {
        byte[] clientKey = hmac(m, saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] serverKey = hmac(m, saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        return new ScramCredential(m, salt.clone(), hash(m, clientKey), serverKey, iterations);
    }

    /** From a password: SaltedPassword = Hi(password, salt, i), PBKDF2 with the mechanism's HMAC. */
    public static ScramCredential fromPassword(ScramMechanism m, String password, byte[] salt, int iterations) {
        return fromSaltedPassword(m, salt, saltedPassword(m, password, salt, iterations), iterations);
    }

    public static byte[] saltedPassword(ScramMechanism m, String password, byte[] salt, int iterations) {
        try {
            int bits = MessageDigest.getInstance(m.hashAlgorithm()).getDigestLength() * 8;
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2With" + m.macAlgorithm());
            return f.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, bits)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(m.mechanismName() + " is not available in this JVM", e);
        }
    }

    static byte[] hmac(ScramMechanism m, byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(m.macAlgorithm());
            mac.init(new SecretKeySpec(key, m.macAlgorithm()));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(m.macAlgorithm() + " is not available in this JVM", e);
        }
    }

    static byte[] hash(ScramMechanism m, byte[] data) {
        try {
            return MessageDigest.getInstance(m.hashAlgorithm()).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(m.hashAlgorithm() + " is not available in this JVM", e);
        }
    }
}
