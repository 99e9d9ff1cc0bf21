package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.FLOAT64;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * AlterClientQuotas (key 49), versions 0-1, flexible from 1: for each entity (a list of type/name pairs, a null name
 * being the {@code <default>} entity), quota keys to set or remove; one result per entity.
 */
public final class AlterClientQuotasApi {
    public static final short KEY = 49;

    public static final Schema REQUEST = Schema.of(
            structs("Entries", "0+",
                    structs("Entity", "0+",
                            of("EntityType", STRING, "0+"),
                            of("EntityName", STRING, "0+").nullable("0+")),
                    structs("Ops", "0+",
                            of("Key", STRING, "0+"),
                            of("Value", FLOAT64, "0+"),
                            of("Remove", BOOL, "0+"))),
            of("ValidateOnly", BOOL, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Entries", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+"),
                    structs("Entity", "0+",
                            of("EntityType", STRING, "0+"),
                            of("EntityName", STRING, "0+").nullable("0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "AlterClientQuotas", 0, 1, 1, REQUEST, RESPONSE);

    private AlterClientQuotasApi() {
    }
}
