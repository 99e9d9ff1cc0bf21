package io.fjord.protocol.api;

import static io.fjord.protocol.types.Field.of;
import static io.fjord.protocol.types.Field.structs;
import static io.fjord.protocol.types.Type.BOOL;
import static io.fjord.protocol.types.Type.INT16;
import static io.fjord.protocol.types.Type.INT32;
import static io.fjord.protocol.types.Type.INT8;
import static io.fjord.protocol.types.Type.STRING;

import io.fjord.protocol.types.Schema;

/**
 * DescribeCluster (key 60), versions 0-2, flexible throughout: the cluster id, controller and brokers (or, with
 * EndpointType 2 from v1, the controllers); v2 can include fenced brokers.
 */
public final class DescribeClusterApi {
    public static final short KEY = 60;

    public static final Schema REQUEST = Schema.of(
            of("IncludeClusterAuthorizedOperations", BOOL, "0+"),
            of("EndpointType", INT8, "1+").defaultsTo((byte) 1),
            of("IncludeFencedBrokers", BOOL, "2+"));

    public static final Schema RESPONSE = Schema.of(
            of("ThrottleTimeMs", INT32, "0+"),
            of("ErrorCode", INT16, "0+"),
            of("ErrorMessage", STRING, "0+").nullable("0+").defaultsTo(null),
            of("EndpointType", INT8, "1+").defaultsTo((byte) 1),
            of("ClusterId", STRING, "0+"),
            of("ControllerId", INT32, "0+").defaultsTo(-1),
            structs("Brokers", "0+",
                    of("BrokerId", INT32, "0+"),
                    of("Host", STRING, "0+"),
                    of("Port", INT32, "0+"),
                    of("Rack", STRING, "0+").nullable("0+").defaultsTo(null),
                    of("IsFenced", BOOL, "2+")),
            of("ClusterAuthorizedOperations", INT32, "0+").defaultsTo(Integer.MIN_VALUE));

    public static final ApiSpec SPEC = ApiSpec.of(KEY, "DescribeCluster", 0, 2, 0, REQUEST, RESPONSE);

    private DescribeClusterApi() {
    }
}
