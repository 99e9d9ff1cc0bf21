package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.FLOAT64;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * DescribeClientQuotas (key 48), versions 0-1, flexible from 1: the client quotas of the entities matching a filter.
 * Each component names an entity type ({@code user}, {@code client-id}, {@code ip}) and how to match it
 * (0 exact name, 1 the default entity, 2 any named entity); strict excludes entities with other types too.
 * An entity name of null is the {@code <default>} entity.
 */
public final class DescribeClientQuotasApi {
    public static final short KEY = 48;
    public static final byte MATCH_EXACT = 0;
    public static final byte MATCH_DEFAULT = 1;
    public static final byte MATCH_SPECIFIED = 2;

    public static final Schema REQUEST = Schema.of(
            structs("Components", "0+",
                    of("EntityType", STRING, "0+"),
                    of("MatchType", INT8, "0+"),
                    of("Match", STRING, "0+").nullable("0+")),
            of("Strict", BOOL, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+"),
            structs("Entries", "0+",
                    structs("Entity", "0+",
                            of("EntityType", STRING, "0+"),
                            of("EntityName", STRING, "0+").nullable("0+")),
                    structs("Values", "0+",
                            of("Key", STRING, "0+"),
                            of("Value", FLOAT64, "0+"))).nullable("0+"));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeClientQuotas", 0, 1, 1, REQUEST, RESPONSE);

    private DescribeClientQuotasApi() {
    }
}
