package io.fjord.protocol.api;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every API Fjord can encode and decode, by key. A new API is one description class plus one line here. Being
 * described is not being served: the broker advertises in ApiVersions only the keys it registered a handler for
 * (and closes the connection on a request for any other), so a description may land before its handler.
 */
public final class Apis {
    private static final Map<Short, ApiSpec> BY_KEY = new TreeMap<>();

    static {
        register(ProduceApi.SPEC);
        register(FetchApi.SPEC);
        register(ListOffsetsApi.SPEC);
        register(MetadataApi.SPEC);
        register(ApiVersionsApi.SPEC);
        register(CreateTopicsApi.SPEC);
        register(DeleteTopicsApi.SPEC);
        register(DescribeConfigsApi.SPEC);
        register(DescribeClusterApi.SPEC);
        register(DescribeTopicPartitionsApi.SPEC);
        register(FindCoordinatorApi.SPEC);
        register(JoinGroupApi.SPEC);
        register(HeartbeatApi.SPEC);
        register(LeaveGroupApi.SPEC);
        register(SyncGroupApi.SPEC);
        register(OffsetCommitApi.SPEC);
        register(OffsetFetchApi.SPEC);
        register(DescribeGroupsApi.SPEC);
        register(ListGroupsApi.SPEC);
        register(DeleteGroupsApi.SPEC);
        register(OffsetDeleteApi.SPEC);
        register(InitProducerIdApi.SPEC);
        register(DescribeProducersApi.SPEC);
        register(DeleteRecordsApi.SPEC);
        register(AlterConfigsApi.SPEC);
        register(CreatePartitionsApi.SPEC);
        register(IncrementalAlterConfigsApi.SPEC);
        register(OffsetForLeaderEpochApi.SPEC);
        register(AlterPartitionApi.SPEC);
        register(ElectLeadersApi.SPEC);
        register(AlterPartitionReassignmentsApi.SPEC);
        register(ListPartitionReassignmentsApi.SPEC);
        register(DescribeLogDirsApi.SPEC);
        register(DescribeQuorumApi.SPEC);
        register(UnregisterBrokerApi.SPEC);
        register(UpdateFeaturesApi.SPEC);
        register(AddRaftVoterApi.SPEC);
        register(RemoveRaftVoterApi.SPEC);
        register(ConsumerGroupHeartbeatApi.SPEC);
        register(ConsumerGroupDescribeApi.SPEC);
        register(AddPartitionsToTxnApi.SPEC);
        register(AddOffsetsToTxnApi.SPEC);
        register(EndTxnApi.SPEC);
        register(WriteTxnMarkersApi.SPEC);
        register(TxnOffsetCommitApi.SPEC);
        register(DescribeTransactionsApi.SPEC);
        register(ListTransactionsApi.SPEC);
        register(DescribeAclsApi.SPEC);
        register(CreateAclsApi.SPEC);
        register(DeleteAclsApi.SPEC);
        register(SaslHandshakeApi.SPEC);
        register(SaslAuthenticateApi.SPEC);
        register(AlterUserScramCredentialsApi.SPEC);
        register(DescribeUserScramCredentialsApi.SPEC);
        register(DescribeClientQuotasApi.SPEC);
        register(AlterClientQuotasApi.SPEC);
    }

    private static void register(ApiSpec spec) {
        if (BY_KEY.put(spec.key(), spec) != null) throw new IllegalStateException("duplicate key " + spec.key());
    }

    private Apis() {
    }

    /** The description for {@code key}, or null if Fjord does not speak that API. */
    public static ApiSpec byKey(int key) {
        return BY_KEY.get((short) key);
    }

    public static Collection<ApiSpec> all() {
        return Collections.unmodifiableCollection(BY_KEY.values());
    }
}
