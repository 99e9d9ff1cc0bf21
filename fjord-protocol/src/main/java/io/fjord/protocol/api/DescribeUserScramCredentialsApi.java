package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * DescribeUserScramCredentials (key 50), version 0, flexible: for each user asked (null: all), the SCRAM
 * mechanisms it has a credential for and their iteration counts — never salts or keys.
 */
public final class DescribeUserScramCredentialsApi {
    public static final short KEY = 50;

    public static final Schema REQUEST = Schema.of(
            structs("Users", "0+",
                    of("Name", STRING, "0+")).nullable("0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(""),
            structs("Results", "0+",
                    of("User", STRING, "0+"),
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(""),
                    structs("CredentialInfos", "0+",
                            of("Mechanism", INT8, "0+"),
                            of("Iterations", INT32, "0+"))));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeUserScramCredentials", 0, 0, 0, REQUEST, RESPONSE);

    private DescribeUserScramCredentialsApi() {
    }
}
