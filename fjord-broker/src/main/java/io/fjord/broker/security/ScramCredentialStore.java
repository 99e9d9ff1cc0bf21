package io.fjord.broker.security;

/** Where SCRAM credentials are looked up (the metadata image on a broker). Implementations are thread-safe. */
@FunctionalInterface
public interface ScramCredentialStore {
    ScramCredentialStore EMPTY = (user, mechanism) -> null;

    /** The user's credential for the mechanism, or null if it has none. */
    ScramCredential credential(String user, ScramMechanism mechanism);
}
