package io.fjord.broker.handlers;

import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.broker.security.ScramCredential;
import io.fjord.broker.security.ScramMechanism;
import io.fjord.metadata.ClusterImage;
import io.fjord.metadata.Controller;
import io.fjord.metadata.MetadataRecord;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeUserScramCredentials (50) and AlterUserScramCredentials (51), what {@code kafka-configs.sh --entity-type
 * users --alter --add-config 'SCRAM-SHA-256=[password=...]'} sends. Credentials live in the metadata log as
 * {@code ScramCredentialUpserted} records: salt, StoredKey, ServerKey and iterations, computed here from the salted
 * password the client sends. Kafka's checks and errors: unknown mechanism UNSUPPORTED_SASL_MECHANISM, iterations
 * outside 4096..16384 or an empty user UNACCEPTABLE_CREDENTIAL, a user named twice for one mechanism
 * DUPLICATE_RESOURCE, deleting or describing what does not exist RESOURCE_NOT_FOUND.
 */
public final class ScramCredentialsHandlers {
    /** Kafka's upper bound on iterations (ScramMechanism's maxIterations). */
    static final int MAX_ITERATIONS = 16384;

    private ScramCredentialsHandlers() {
    }

    /** Needs CLUSTER Describe, as in Kafka (else CLUSTER_AUTHORIZATION_FAILED for the request). */
    public static ApiHandler describe(Controller controller) {
        return new ClusterAclGate((ctx, request) -> CompletableFuture.completedFuture(describe(ctx, request, controller.image())),
                io.fjord.broker.security.acl.AclOperation.DESCRIBE);
    }

    /** Needs CLUSTER Alter, as in Kafka (else every user named answers CLUSTER_AUTHORIZATION_FAILED, nothing changes). */
    public static ApiHandler alter(Controller controller) {
        return (ctx, request) -> CompletableFuture.completedFuture(
                ctx.authorized(io.fjord.broker.security.acl.AclOperation.ALTER, io.fjord.broker.security.acl.AclResourceType.CLUSTER,
                        io.fjord.broker.security.acl.AclResourceType.CLUSTER_NAME) ? alter(ctx, request, controller) : refused(ctx, request));
    }

    private static Struct refused(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        Set<String> users = new LinkedHashSet<>();
        for (Struct d : request.<Struct>getList("Deletions")) users.add(d.getString("Name"));
        for (Struct u : request.<Struct>getList("Upsertions")) users.add(u.getString("Name"));
        for (String user : users) {
            response.add("Results", response.child("Results").set("User", user)
                    .set("ErrorCode", Errors.CLUSTER_AUTHORIZATION_FAILED.code()).set("ErrorMessage", "Cluster authorization failed."));
        }
        return response;
    }

    static Struct describe(RequestContext ctx, Struct request, ClusterImage image) {
        Struct response = ctx.spec().newResponse();
        response.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
        List<Struct> users = request.getList("Users");
        Map<String, Integer> asked = new LinkedHashMap<>();
        if (users == null || users.isEmpty()) {
            for (String u : new TreeMap<>(image.scramCredentials()).keySet()) asked.put(u, 1);
        } else {
            for (Struct u : users) asked.merge(u.getString("Name"), 1, Integer::sum);
        }
        for (Map.Entry<String, Integer> e : asked.entrySet()) {
            Struct r = response.child("Results").set("User", e.getKey());
            Map<String, MetadataRecord.ScramCredentialUpserted> creds = image.scramCredentials().get(e.getKey());
            if (e.getValue() > 1) {
                r.set("ErrorCode", Errors.DUPLICATE_RESOURCE.code()).set("ErrorMessage", "Cannot describe SCRAM credentials for the same user twice in a single request: " + e.getKey());
            } else if (creds == null || creds.isEmpty()) {
                r.set("ErrorCode", Errors.RESOURCE_NOT_FOUND.code()).set("ErrorMessage", "Attempt to describe a user credential that does not exist: " + e.getKey());
            } else {
                r.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
                for (ScramMechanism m : ScramMechanism.values()) {
                    MetadataRecord.ScramCredentialUpserted c = creds.get(m.mechanismName());
                    if (c != null) r.add("CredentialInfos", r.child("CredentialInfos").set("Mechanism", m.type()).set("Iterations", c.iterations()));
                }
            }
            response.add("Results", r);
        }
        return response;
    }

    static Struct alter(RequestContext ctx, Struct request, Controller controller) {
        Struct response = ctx.spec().newResponse();
        ClusterImage image = controller.image();
        Map<String, String> errors = new LinkedHashMap<>(); // user -> "code:message" of its first error
        Map<String, List<MetadataRecord>> changes = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        List<Struct> deletions = request.getList("Deletions");
        List<Struct> upsertions = request.getList("Upsertions");
        Map<String, Integer> perUserMechanism = new HashMap<>();
        for (Struct d : deletions) perUserMechanism.merge(d.getString("Name") + "\0" + d.getByte("Mechanism"), 1, Integer::sum);
        for (Struct u : upsertions) perUserMechanism.merge(u.getString("Name") + "\0" + u.getByte("Mechanism"), 1, Integer::sum);
        for (Struct d : deletions) {
            String user = d.getString("Name");
            seen.add(user);
            ScramMechanism m = ScramMechanism.forType(d.getByte("Mechanism"));
            String error = check(user, m, d.getByte("Mechanism"), perUserMechanism);
            if (error == null && image.scramCredential(user, m.mechanismName()) == null) {
                error = Errors.RESOURCE_NOT_FOUND.code() + ":Attempt to delete a user credential that does not exist";
            }
            if (error != null) errors.putIfAbsent(user, error);
            else changes.computeIfAbsent(user, k -> new ArrayList<>()).add(new MetadataRecord.ScramCredentialDeleted(user, m.mechanismName()));
        }
        for (Struct u : upsertions) {
            String user = u.getString("Name");
            seen.add(user);
            ScramMechanism m = ScramMechanism.forType(u.getByte("Mechanism"));
            String error = check(user, m, u.getByte("Mechanism"), perUserMechanism);
            int iterations = u.getInt("Iterations");
            if (error == null && iterations < ScramMechanism.MIN_ITERATIONS) {
                error = Errors.UNACCEPTABLE_CREDENTIAL.code() + ":Too few iterations";
            } else if (error == null && iterations > MAX_ITERATIONS) {
                error = Errors.UNACCEPTABLE_CREDENTIAL.code() + ":Too many iterations";
            }
            byte[] salt = (byte[]) u.get("Salt");
            byte[] salted = (byte[]) u.get("SaltedPassword");
            if (error == null && (salt.length == 0 || salted.length == 0)) {
                error = Errors.UNACCEPTABLE_CREDENTIAL.code() + ":Salt and salted password must not be empty";
            }
            if (error != null) {
                errors.putIfAbsent(user, error);
                continue;
            }
            ScramCredential c = ScramCredential.fromSaltedPassword(m, salt, salted, iterations);
            Base64.Encoder b64 = Base64.getEncoder();
            changes.computeIfAbsent(user, k -> new ArrayList<>()).add(new MetadataRecord.ScramCredentialUpserted(user,
                    m.mechanismName(), b64.encodeToString(c.salt()), b64.encodeToString(c.storedKey()),
                    b64.encodeToString(c.serverKey()), iterations));
        }
        // A user with any error changes nothing (Kafka applies each user's changes all or none).
        List<MetadataRecord> batch = new ArrayList<>();
        for (Map.Entry<String, List<MetadataRecord>> e : changes.entrySet()) if (!errors.containsKey(e.getKey())) batch.addAll(e.getValue());
        String commitError = null;
        try {
            controller.alterScramCredentials(batch);
        } catch (IOException | RuntimeException e) {
            commitError = Errors.UNKNOWN_SERVER_ERROR.code() + ":" + e.getMessage();
        }
        for (String user : seen) {
            String error = errors.containsKey(user) ? errors.get(user) : changes.containsKey(user) ? commitError : null;
            Struct r = response.child("Results").set("User", user);
            if (error == null) {
                r.set("ErrorCode", Errors.NONE.code()).set("ErrorMessage", null);
            } else {
                int colon = error.indexOf(':');
                r.set("ErrorCode", Short.parseShort(error.substring(0, colon))).set("ErrorMessage", error.substring(colon + 1));
            }
            response.add("Results", r);
        }
        return response;
    }

    private static String check(String user, ScramMechanism m, byte type, Map<String, Integer> perUserMechanism) {
        if (user == null || user.isEmpty()) return Errors.UNACCEPTABLE_CREDENTIAL.code() + ":Username must not be empty";
        if (m == null) return Errors.UNSUPPORTED_SASL_MECHANISM.code() + ":Unknown SCRAM mechanism type " + type;
        if (perUserMechanism.getOrDefault(user + "\0" + type, 0) > 1) {
            return Errors.DUPLICATE_RESOURCE.code() + ":A user credential cannot be altered twice in the same request";
        }
        return null;
    }
}
