package io.fjord.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;

/**
 * The server side of SCRAM-SHA-256/512 (RFC 5802, RFC 7677), two rounds:
 * <pre>
 *   client-first  n,[a=authzid],n=user,r=cnonce      -> server-first  r=cnonce+snonce,s=salt,i=iterations
 *   client-final  c=gs2header,r=nonce,p=proof         -> server-final  v=ServerSignature
 * </pre>
 * The proof is checked as H(proof XOR HMAC(StoredKey, AuthMessage)) == StoredKey. Channel binding is not offered
 * (the gs2 header must be {@code n,}), as in Kafka. Unknown users and wrong proofs get the same message.
 * States: FIRST (awaiting client-first) -> FINAL (awaiting client-final) -> COMPLETE; a failure ends it (FAILED).
 * Not thread-safe; one per exchange. The nonce source is passed in.
 */
public final class ScramServer implements SaslMechanismServer {
    private enum State { FIRST, FINAL, COMPLETE, FAILED }

    private static final String INVALID = "Authentication failed: Invalid user credentials";
    private final ScramMechanism mechanism;
    private final ScramCredentialStore store;
    private final Random random;
    private State state = State.FIRST;
    private String user;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String gs2Header;
    private ScramCredential credential;

    public ScramServer(ScramMechanism mechanism, ScramCredentialStore store, Random random) {
        this.mechanism = mechanism;
        this.store = store;
        this.random = random;
    }

    @Override
    public byte[] evaluate(byte[] token) throws Failure {
        String msg = new String(token, StandardCharsets.UTF_8);
        try {
            return switch (state) {
                case FIRST -> first(msg);
                case FINAL -> last(msg);
                case COMPLETE, FAILED -> throw new IllegalStateException("SCRAM exchange already ended (" + state + ")");
            };
        } catch (Failure e) {
            state = State.FAILED;
            throw e;
        }
    }

    private byte[] first(String msg) throws Failure {
        // gs2-header: "n," or "y," then optional "a=authzid", then ","
        if (!(msg.startsWith("n,") || msg.startsWith("y,"))) throw new Failure("Invalid SCRAM client first message (channel binding not supported)");
        int second = msg.indexOf(',', 2);
        if (second < 0) throw new Failure("Invalid SCRAM client first message");
        String authzid = msg.substring(2, second);
        gs2Header = msg.substring(0, second + 1);
        clientFirstBare = msg.substring(second + 1);
        String name = null;
        String clientNonce = null;
        for (String attr : clientFirstBare.split(",")) {
            if (attr.startsWith("n=")) name = attr.substring(2);
            else if (attr.startsWith("r=")) clientNonce = attr.substring(2);
            else if (attr.startsWith("m=")) throw new Failure("Invalid SCRAM client first message: mandatory extension");
        }
        if (name == null || clientNonce == null || clientNonce.isEmpty()) throw new Failure("Invalid SCRAM client first message");
        user = name.replace("=2C", ",").replace("=3D", "=");
        if (!authzid.isEmpty() && !authzid.substring(authzid.startsWith("a=") ? 2 : 0).replace("=2C", ",").replace("=3D", "=").equals(user)) {
            throw new Failure("Authentication failed: Client requested an authorization id that is different from username");
        }
        credential = store.credential(user, mechanism);
        if (credential == null) throw new Failure(INVALID);
        byte[] sn = new byte[24];
        random.nextBytes(sn);
        nonce = clientNonce + Base64.getEncoder().withoutPadding().encodeToString(sn).replace('/', '_').replace('+', '-');
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" + credential.iterations();
        state = State.FINAL;
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] last(String msg) throws Failure {
        int p = msg.lastIndexOf(",p=");
        if (p < 0) throw new Failure("Invalid SCRAM client final message");
        String withoutProof = msg.substring(0, p);
        String channel = null;
        String finalNonce = null;
        for (String attr : withoutProof.split(",")) {
            if (attr.startsWith("c=")) channel = attr.substring(2);
            else if (attr.startsWith("r=")) finalNonce = attr.substring(2);
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(msg.substring(p + 3));
            if (channel == null || !MessageDigest.isEqual(Base64.getDecoder().decode(channel), gs2Header.getBytes(StandardCharsets.UTF_8))) {
                throw new Failure("Invalid SCRAM client final message: channel binding does not match");
            }
        } catch (IllegalArgumentException e) {
            throw new Failure("Invalid SCRAM client final message: bad base64");
        }
        if (!nonce.equals(finalNonce)) throw new Failure("Invalid SCRAM client final message: nonce does not match");
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramCredential.hmac(mechanism, credential.storedKey(), authMessage);
        if (proof.length != clientSignature.length) throw new Failure(INVALID);
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        if (!MessageDigest.isEqual(ScramCredential.hash(mechanism, clientKey), credential.storedKey())) throw new Failure(INVALID);
        byte[] serverSignature = ScramCredential.hmac(mechanism, credential.serverKey(), authMessage);
        state = State.COMPLETE;
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    @Override
    public String authorizationId() {
        if (state != State.COMPLETE) throw new IllegalStateException("SCRAM exchange not complete (" + state + ")");
        return user;
    }
}
