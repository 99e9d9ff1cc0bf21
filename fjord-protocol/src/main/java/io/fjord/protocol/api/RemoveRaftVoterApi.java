package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;

import io.fjord.protocol.types.Schema;

/**
 * RemoveRaftVoter (key 81, KIP-853), version 0, flexible from 0: removes a voter (id and directory id) from the
 * metadata quorum. Errors: VOTER_NOT_FOUND, INCONSISTENT_CLUSTER_ID, INVALID_REQUEST, REQUEST_TIMED_OUT.
 */
public final class RemoveRaftVoterApi {
    public static final short KEY = 81;

    public static final Schema REQUEST = Schema.of(
            of("ClusterId", STRING, "0+").nullable("0+"),
            of("VoterId", INT32, "0+"),
            of("VoterDirectoryId", UUID_TYPE, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "RemoveRaftVoter", 0, 0, 0, REQUEST, RESPONSE);

    private RemoveRaftVoterApi() {
    }
}
