package io.fjord.metadata;

import io.fjord.protocol.api.Errors;

/** The answer to AddRaftVoter / RemoveRaftVoter: an error code (NONE on success) and a message for the operator. */
public record VoterChangeResult(Errors error, String message) {
    public static VoterChangeResult ok() {
        return new VoterChangeResult(Errors.NONE, null);
    }
}
