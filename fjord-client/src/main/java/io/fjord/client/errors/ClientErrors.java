package io.fjord.client.errors;

import java.util.HashMap;
import java.util.Map;

/**
 * The protocol's error codes as the client classifies them: Kafka's name and whether a retry may help.
 * Codes not listed here are reported as fatal with their number.
 */
public final class ClientErrors {
    public static final short NONE = 0;
    public static final short OFFSET_OUT_OF_RANGE = 1;
    public static final short UNKNOWN_TOPIC_OR_PARTITION = 3;
    public static final short LEADER_NOT_AVAILABLE = 5;
    public static final short NOT_LEADER_OR_FOLLOWER = 6;
    public static final short REQUEST_TIMED_OUT = 7;
    public static final short NETWORK_EXCEPTION = 13;
    public static final short TOPIC_ALREADY_EXISTS = 36;
    public static final short OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
    public static final short DUPLICATE_SEQUENCE_NUMBER = 46;
    public static final short INVALID_PRODUCER_EPOCH = 47;
    public static final short UNKNOWN_PRODUCER_ID = 59;
    public static final short FENCED_LEADER_EPOCH = 74;
    public static final short UNKNOWN_LEADER_EPOCH = 75;
    public static final short OFFSET_NOT_AVAILABLE = 78;
    public static final short PRODUCER_FENCED = 90;
    public static final short UNKNOWN_TOPIC_ID = 100;

    private record Info(String name, boolean retriable) {
    }

    private static final Map<Short, Info> INFO = new HashMap<>();

    static {
        add(-1, "UNKNOWN_SERVER_ERROR", false);
        add(1, "OFFSET_OUT_OF_RANGE", false);
        add(2, "CORRUPT_MESSAGE", true);
        add(3, "UNKNOWN_TOPIC_OR_PARTITION", true);
        add(4, "INVALID_FETCH_SIZE", false);
        add(5, "LEADER_NOT_AVAILABLE", true);
        add(6, "NOT_LEADER_OR_FOLLOWER", true);
        add(7, "REQUEST_TIMED_OUT", true);
        add(10, "MESSAGE_TOO_LARGE", false);
        add(13, "NETWORK_EXCEPTION", true);
        add(14, "COORDINATOR_LOAD_IN_PROGRESS", true);
        add(15, "COORDINATOR_NOT_AVAILABLE", true);
        add(16, "NOT_COORDINATOR", true);
        add(17, "INVALID_TOPIC_EXCEPTION", false);
        add(18, "RECORD_LIST_TOO_LARGE", false);
        add(19, "NOT_ENOUGH_REPLICAS", true);
        add(20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true);
        add(21, "INVALID_REQUIRED_ACKS", false);
        add(22, "ILLEGAL_GENERATION", false);
        add(23, "INCONSISTENT_GROUP_PROTOCOL", false);
        add(24, "INVALID_GROUP_ID", false);
        add(25, "UNKNOWN_MEMBER_ID", false);
        add(26, "INVALID_SESSION_TIMEOUT", false);
        add(27, "REBALANCE_IN_PROGRESS", false);
        add(28, "INVALID_COMMIT_OFFSET_SIZE", false);
        add(29, "TOPIC_AUTHORIZATION_FAILED", false);
        add(30, "GROUP_AUTHORIZATION_FAILED", false);
        add(31, "CLUSTER_AUTHORIZATION_FAILED", false);
        add(32, "INVALID_TIMESTAMP", false);
        add(35, "UNSUPPORTED_VERSION", false);
        add(36, "TOPIC_ALREADY_EXISTS", false);
        add(37, "INVALID_PARTITIONS", false);
        add(38, "INVALID_REPLICATION_FACTOR", false);
        add(39, "INVALID_REPLICA_ASSIGNMENT", false);
        add(40, "INVALID_CONFIG", false);
        add(41, "NOT_CONTROLLER", true);
        add(42, "INVALID_REQUEST", false);
        add(43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false);
        add(44, "POLICY_VIOLATION", false);
        add(45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false);
        add(46, "DUPLICATE_SEQUENCE_NUMBER", false);
        add(47, "INVALID_PRODUCER_EPOCH", false);
        add(48, "INVALID_TXN_STATE", false);
        add(49, "INVALID_PRODUCER_ID_MAPPING", false);
        add(56, "KAFKA_STORAGE_ERROR", true);
        add(59, "UNKNOWN_PRODUCER_ID", false);
        add(68, "NON_EMPTY_GROUP", false);
        add(69, "GROUP_ID_NOT_FOUND", false);
        add(74, "FENCED_LEADER_EPOCH", true);
        add(75, "UNKNOWN_LEADER_EPOCH", true);
        add(76, "UNSUPPORTED_COMPRESSION_TYPE", false);
        add(78, "OFFSET_NOT_AVAILABLE", true);
        add(79, "MEMBER_ID_REQUIRED", false);
        add(81, "GROUP_MAX_SIZE_REACHED", false);
        add(82, "FENCED_INSTANCE_ID", false);
        add(88, "UNSTABLE_OFFSET_COMMIT", true);
        add(87, "INVALID_RECORD", false);
        add(89, "THROTTLING_QUOTA_EXCEEDED", true);
        add(90, "PRODUCER_FENCED", false);
        add(100, "UNKNOWN_TOPIC_ID", true);
        add(103, "INCONSISTENT_TOPIC_ID", true);
    }

    private static void add(int code, String name, boolean retriable) {
        INFO.put((short) code, new Info(name, retriable));
    }

    private ClientErrors() {
    }

    public static String name(short code) {
        Info i = INFO.get(code);
        return i == null ? "UNKNOWN_ERROR_" + code : i.name();
    }

    public static boolean isRetriable(short code) {
        Info i = INFO.get(code);
        return i != null && i.retriable();
    }

    /** Whether the client should refresh its metadata after this error (the leader may have moved). */
    public static boolean invalidatesMetadata(short code) {
        return code == NOT_LEADER_OR_FOLLOWER || code == UNKNOWN_TOPIC_OR_PARTITION || code == LEADER_NOT_AVAILABLE
                || code == FENCED_LEADER_EPOCH || code == UNKNOWN_LEADER_EPOCH || code == UNKNOWN_TOPIC_ID
                || code == NETWORK_EXCEPTION || code == 103;
    }

    public static ApiException exception(short code, String message) {
        return new ApiException(code, name(code), isRetriable(code), message);
    }
}
