package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BYTES;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * AlterUserScramCredentials (key 51), version 0, flexible: deletions (user, mechanism) and upsertions (user,
 * mechanism, iterations, salt, salted password — the client salts and hashes; the password never travels).
 */
public final class AlterUserScramCredentialsApi {
    public static final short KEY = 51;

    public static final Schema REQUEST = Schema.of(
            structs("Deletions", "0+",
                    of("Name", STRING, "0+"),
                    of("Mechanism", INT8, "0+")),
            structs("Upsertions", "0+",
                    of("Name", STRING, "0+"),
                    of("Mechanism", INT8, "0+"),
                    of("Iterations", INT32, "0+"),
                    of("Salt", BYTES, "0+"),
                    of("SaltedPassword", BYTES, "0+")));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            structs("Results", "0+",
                    of("User", STRING, "0+"),
                    of("ErrorCode", INT16, "0+"),
                    of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo("")));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "AlterUserScramCredentials", 0, 0, 0, REQUEST, RESPONSE);

    private AlterUserScramCredentialsApi() {
    }
}
