package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.UUID_TYPE;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DeleteTopics (key 20), versions 1-6, flexible from 4: deletes topics named by name (up to v5, a plain list of
 * names) or, from v6, by name or id.
 */
public final class DeleteTopicsApi {
    public static final short KEY = 20;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "6+",
                    of("Name", STRING, "6+").nullable("6+").defaultsTo(null),
                    of("TopicId", UUID_TYPE, "6+")),
            of("TopicNames", array(STRING), "0-5"),
            of("TimeoutMs", INT32, "0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "1+"),
            structs("Responses", "0+",
                    of("Name", STRING, "0+").nullable("6+"),
                    of("TopicId", UUID_TYPE, "6+"),
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "5+").nullable("5+").defaultsTo(null)));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DeleteTopics", 1, 6, 4, REQUEST, RESPONSE);

    private DeleteTopicsApi() {
    }
}
