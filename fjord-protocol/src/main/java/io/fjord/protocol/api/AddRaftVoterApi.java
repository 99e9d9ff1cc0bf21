package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UINT16;
import static io.fjord.protocol.types.Type.UUID_TYPE;

import io.fjord.protocol.types.Schema;

/**
 * AddRaftVoter (key 80, KIP-853), versions 0-1, flexible from 0: makes a node that already follows the metadata
 * log (an observer) a voter, identified by id and directory id, reachable at the given listeners. v1 adds
 * AckWhenCommitted (answer once the new voter set is committed, the default, or as soon as it is written).
 * Errors: DUPLICATE_VOTER, INCONSISTENT_CLUSTER_ID, INVALID_REQUEST, REQUEST_TIMED_OUT.
 */
public final class AddRaftVoterApi {
    public static final short KEY = 80;

    public static final Schema REQUEST = Schema.of(
            of("ClusterId", STRING, "0+").nullable("0+"),
            of("TimeoutMs", INT32, "0+"),
            of("VoterId", INT32, "0+"),
            of("VoterDirectoryId", UUID_TYPE, "0+"),
            structs("Listeners", "0+",
                    of("Name", STRING, "0+"),
                    of("Host", STRING, "0+"),
                    of("Port", UINT16, "0+")),
            of("AckWhenCommitted", BOOL, "1+").defaultsTo(true));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "AddRaftVoter", 0, 1, 0, REQUEST, RESPONSE);

    private AddRaftVoterApi() {
    }
}
