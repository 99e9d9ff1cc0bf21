package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DescribeConfigs (key 32), versions 1-4, flexible from 4: the configs of topics and brokers, all of them or the
 * named keys only, optionally with synonyms (v1+) and documentation (v3+).
 */
public final class DescribeConfigsApi {
    public static final short KEY = 32;

    public static final Schema REQUEST = Schema.of(
            structs("Resources", "0+",
                    of("ResourceType", INT8, "0+"),
                    of("ResourceName", STRING, "0+"),
                    of("ConfigurationKeys", array(STRING), "0+").nullable("0+")),
            of("IncludeSynonyms", BOOL, "1+"),
            of("IncludeDocumentation", BOOL, "3+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Results", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+"),
                    of("ResourceType", INT8, "0+"),
                    of("ResourceName", STRING, "0+"),
                    structs("Configs", "0+",
                            of("Name", STRING, "0+"),
                            of("Value", STRING, "0+").nullable("0+"),
                            of("ReadOnly", BOOL, "0+"),
                            of("ConfigSource", INT8, "1+").defaultsTo((byte) -1),
                            of("IsSensitive", BOOL, "0+"),
                            structs("Synonyms", "1+",
                                    of("Name", STRING, "1+"),
                                    of("Value", STRING, "1+").nullable("0+"),
                                    of("Source", INT8, "1+")),
                            of("ConfigType", INT8, "3+"),
                            of("Documentation", STRING, "3+").nullable("0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeConfigs", 1, 4, 4, REQUEST, RESPONSE);

    private DescribeConfigsApi() {
    }
}
