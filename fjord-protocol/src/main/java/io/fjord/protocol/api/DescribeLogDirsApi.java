package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT64;
import static io.fjord.protocol.types.Type.STRING;
import static io.fjord.protocol.types.Type.array;

import io.fjord.protocol.types.Schema;

/**
 * DescribeLogDirs (key 35), versions 1-5, flexible from 2: per log directory of this broker, the replicas it holds
 * (Topics null = all) with their size and offset lag. v3 adds a top-level error code, v4 the volume's total and
 * usable bytes, v5 (4.4) whether the directory is cordoned.
 */
public final class DescribeLogDirsApi {
    public static final short KEY = 35;

    public static final Schema REQUEST = Schema.of(
            structs("Topics", "0+",
                    of("Topic", STRING, "0+"),
                    of("Partitions", array(INT32), "0+")).nullable("0+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "3+"),
            structs("Results", "0+",
                    of("ErrorCode", INT16, "0+"),
                    of("LogDir", STRING, "0+"),
                    structs("Topics", "0+",
                            of("Name", STRING, "0+"),
                            structs("Partitions", "0+",
                                    of("PartitionIndex", INT32, "0+"),
                                    of("PartitionSize", INT64, "0+"),
                                    of("OffsetLag", INT64, "0+"),
                                    of("IsFutureKey", BOOL, "0+"))),
                    of("TotalBytes", INT64, "4+").defaultsTo(-1L),
                    of("UsableBytes", INT64, "4+").defaultsTo(-1L),
                    of("IsCordoned", BOOL, "5+").defaultsTo(false)));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeLogDirs", 1, 5, 2, REQUEST, RESPONSE);

    private DescribeLogDirsApi() {
    }
}
