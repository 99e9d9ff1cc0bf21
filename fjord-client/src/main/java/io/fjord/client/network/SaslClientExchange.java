package io.fjord.client.network;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of one SASL exchange: PLAIN (one message) or SCRAM-SHA-256/512 (RFC 5802: client-first,
 * client-final, then the server's signature is checked). {@link #next} takes the server's last token (empty at
 * first) and gives the next client token, or null when nothing more is to be sent. Not thread-safe.
 */
abstract class SaslClientExchange {
    abstract byte[] next(byte[] serverToken) throws SaslFailure;

    abstract boolean isComplete();

    static final class SaslFailure extends Exception {
        SaslFailure(String message) {
            super(message);
        }
    }

    static SaslClientExchange plain(String user, String password) {
        return new SaslClientExchange() {
            private boolean sent;

            @Override
            byte[] next(byte[] serverToken) {
                if (sent) return null;
                sent = true;
                return ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
            }

            @Override
            boolean isComplete() {
                return sent;
            }
        };
    }

    static SaslClientExchange scram(String mechanism, String user, String password, Random random) {
        String hash = mechanism.endsWith("512") ? "SHA-512" : "SHA-256";
        String mac = mechanism.endsWith("512") ? "HmacSHA512" : "HmacSHA256";
        return new SaslClientExchange() {
            private int step;
            private String clientFirstBare;
            private byte[] expectedServerSignature;

            @Override
            byte[] next(byte[] serverToken) throws SaslFailure {
                try {
                    switch (step++) {
                        case 0 -> {
                            byte[] nonce = new byte[24];
                            random.nextBytes(nonce);
                            String name = user.replace("=", "=3D").replace(",", "=2C");
                            clientFirstBare = "n=" + name + ",r=" + Base64.getEncoder().withoutPadding().encodeToString(nonce)
                                    .replace('/', '_').replace('+', '-');
                            return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
                        }
                        case 1 -> {
                            String serverFirst = new String(serverToken, StandardCharsets.UTF_8);
                            String nonce = null;
                            byte[] salt = null;
                            int iterations = 0;
                            for (String a : serverFirst.split(",")) {
                                if (a.startsWith("r=")) nonce = a.substring(2);
                                else if (a.startsWith("s=")) salt = Base64.getDecoder().decode(a.substring(2));
                                else if (a.startsWith("i=")) iterations = Integer.parseInt(a.substring(2));
                            }
                            String clientNonce = clientFirstBare.substring(clientFirstBare.indexOf(",r=") + 3);
                            if (nonce == null || salt == null || iterations <= 0 || !nonce.startsWith(clientNonce)) {
                                throw new SaslFailure("invalid SCRAM server first message");
                            }
                            int bits = MessageDigest.getInstance(hash).getDigestLength() * 8;
                            byte[] salted = SecretKeyFactory.getInstance("PBKDF2With" + mac)
                                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, bits)).getEncoded();
                            byte[] clientKey = hmac(salted, "Client Key");
                            byte[] storedKey = MessageDigest.getInstance(hash).digest(clientKey);
                            String withoutProof = "c=biws,r=" + nonce;
                            byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
                            byte[] signature = hmac(storedKey, authMessage);
                            byte[] proof = new byte[clientKey.length];
                            for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
                            expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
                            return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
                        }
                        case 2 -> {
                            String serverFinal = new String(serverToken, StandardCharsets.UTF_8);
                            if (!serverFinal.startsWith("v=") || !MessageDigest.isEqual(expectedServerSignature,
                                    Base64.getDecoder().decode(serverFinal.substring(2)))) {
                                throw new SaslFailure("the broker's SCRAM signature does not match: not the server holding our credential");
                            }
                            return null;
                        }
                        default -> throw new IllegalStateException("SCRAM exchange already complete");
                    }
                } catch (GeneralSecurityException | IllegalArgumentException e) {
                    throw new SaslFailure("SCRAM failed: " + e.getMessage());
                }
            }

            private byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
                return hmac(key, data.getBytes(StandardCharsets.US_ASCII));
            }

            private byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
                Mac m = Mac.getInstance(mac);
                m.init(new SecretKeySpec(key, mac));
                return m.doFinal(data);
            }

            @Override
            boolean isComplete() {
                return step >= 3;
            }
        };
    }
}
