package io.fjord.broker.group.consumer;

import io.fjord.broker.coordinator.CoordinatorRecord;
import io.fjord.broker.coordinator.CoordinatorResult;
import io.fjord.broker.coordinator.CoordinatorTimer;
import io.fjord.protocol.api.Errors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer group protocol of KIP-848 for the groups of one {@code __consumer_offsets} partition:
 * ConsumerGroupHeartbeat (join, heartbeat, leave with epoch -1, static leave with -2), server-side assignment,
 * reconciliation ({@link Reconciliation}), sessions and rebalance timeouts on the runtime's timer, and what
 * ConsumerGroupDescribe, ListGroups, OffsetCommit and DeleteGroups need. Handlers return records
 * ({@link ConsumerGroupRecords}); groups change only in {@link #replay}. Regex subscriptions use
 * {@code java.util.regex} with full-match semantics (Kafka uses RE2J; plain patterns behave the same, RE2J
 * refuses back-references and look-arounds that Java accepts). Not thread-safe: runs on its shard's executor.
 */
public final class ConsumerGroupProtocol {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupProtocol.class);

    /** Kafka's broker configs of the consumer group protocol. */
    public record Settings(List<String> assignors, int sessionTimeoutMs, int heartbeatIntervalMs, int maxSize,
                           String migrationPolicy, java.util.function.Function<String, Map<String, String>> groupConfigs) {
        public Settings(List<String> assignors, int sessionTimeoutMs, int heartbeatIntervalMs, int maxSize, String migrationPolicy) {
            this(assignors, sessionTimeoutMs, heartbeatIntervalMs, maxSize, migrationPolicy, g -> Map.of());
        }

        /** These settings, with each group's own overrides (the GROUP config resource) read from {@code groupConfigs}. */
        public Settings withGroupConfigs(java.util.function.Function<String, Map<String, String>> configs) {
            return new Settings(assignors, sessionTimeoutMs, heartbeatIntervalMs, maxSize, migrationPolicy, configs);
        }

        /** The session timeout of {@code groupId}'s members: its {@code consumer.session.timeout.ms}, else the broker's. */
        public int sessionTimeoutMs(String groupId) {
            String v = groupConfigs.apply(groupId).get(io.fjord.broker.config.GroupConfigs.SESSION_TIMEOUT);
            return v == null ? sessionTimeoutMs : Integer.parseInt(v);
        }

        /** The heartbeat interval {@code groupId}'s members are told: its {@code consumer.heartbeat.interval.ms}, else the broker's. */
        public int heartbeatIntervalMs(String groupId) {
            String v = groupConfigs.apply(groupId).get(io.fjord.broker.config.GroupConfigs.HEARTBEAT_INTERVAL);
            return v == null ? heartbeatIntervalMs : Integer.parseInt(v);
        }

        public static Settings from(io.fjord.broker.config.BrokerConfig config) {
            List<String> names = new ArrayList<>();
            for (String s : config.get("group.consumer.assignors").split(",")) if (!s.isBlank()) names.add(s.trim());
            return new Settings(names, config.getInt("group.consumer.session.timeout.ms"),
                    config.getInt("group.consumer.heartbeat.interval.ms"), config.getInt("group.consumer.max.size"),
                    config.get("group.consumer.migration.policy"));
        }

        public static Settings defaults() {
            return new Settings(List.of(UniformAssignor.NAME, RangeAssignor.NAME), 45_000, 5_000, Integer.MAX_VALUE, "bidirectional");
        }
    }

    /** A topic as the cluster metadata has it now. */
    public record TopicMeta(String name, UUID id, int partitions) {
    }

    /** The cluster's current topics by name (internal topics left out: regexes never match them). */
    public interface Topics {
        Map<String, TopicMeta> byName();
    }

    public record HeartbeatRequest(String groupId, String memberId, int memberEpoch, String instanceId, String rackId,
                                   int rebalanceTimeoutMs, List<String> subscribedTopicNames, String subscribedTopicRegex,
                                   String serverAssignor, Assignment ownedPartitions, String clientId, String clientHost) {
    }

    /** The answer; {@code assignment} is null when the member's partitions did not change. */
    public record HeartbeatResponse(Errors error, String message, String memberId, int memberEpoch, int heartbeatIntervalMs,
                                    Assignment assignment) {
        static HeartbeatResponse error(Errors e, String message) {
            return new HeartbeatResponse(e, message, null, 0, 0, null);
        }
    }

    private final Map<String, ConsumerGroup> groups = new HashMap<>();
    /** The group of the operation running now (a group that has no state yet needs its id for its records). */
    private String currentGroupId;
    /** Converts a classic group with members (null: the migration policy forbids upgrades). */
    private ClassicUpgrade upgrade;
    private final Map<String, PartitionAssignor> assignors = new LinkedHashMap<>();
    private final CoordinatorTimer timer;
    private final Settings settings;
    private final Topics topics;
    /** True for a group id held by a classic group that still has members. */
    private final Predicate<String> classicGroupInUse;

    public ConsumerGroupProtocol(CoordinatorTimer timer, Settings settings, Topics topics, Predicate<String> classicGroupInUse) {
        this.timer = timer;
        this.settings = settings;
        this.topics = topics;
        this.classicGroupInUse = classicGroupInUse;
        for (String name : settings.assignors()) {
            switch (name) {
                case UniformAssignor.NAME -> assignors.put(name, new UniformAssignor());
                case RangeAssignor.NAME -> assignors.put(name, new RangeAssignor());
                default -> throw new IllegalArgumentException("unknown assignor in group.consumer.assignors: " + name);
            }
        }
        if (assignors.isEmpty()) throw new IllegalArgumentException("group.consumer.assignors is empty");
    }

    // ------------------------------------------------------------------------------------------------ state

    /** Applies a consumer-group record; false if the record is of another kind. */
    public boolean replay(CoordinatorRecord record) {
        return ConsumerGroupRecords.replay(record, groups);
    }

    /** Restarts the sessions of the members the partition's records brought back. */
    public void onLoaded() {
        for (ConsumerGroup g : groups.values()) {
            for (ConsumerGroupMember m : g.members.values()) {
                ClassicMemberInfo c = g.classicMembers.get(m.memberId());
                scheduleSession(g.groupId, m.memberId(), c == null ? settings.sessionTimeoutMs(g.groupId) : c.sessionTimeoutMs());
            }
        }
        if (!groups.isEmpty()) log.info("{} consumer groups loaded", groups.size());
    }

    public void onUnloaded() {
        groups.clear();
    }

    /** The consumer group of that id, or null. */
    public ConsumerGroup group(String groupId) {
        return groups.get(groupId);
    }

    public boolean hasMembers(String groupId) {
        ConsumerGroup g = groups.get(groupId);
        return g != null && !g.members.isEmpty();
    }

    public java.util.Collection<ConsumerGroup> groups() {
        return java.util.Collections.unmodifiableCollection(groups.values());
    }

    // ------------------------------------------------------------------------------------------------ heartbeat

    public CoordinatorResult<HeartbeatResponse> heartbeat(HeartbeatRequest req) {
        currentGroupId = req.groupId();
        HeartbeatResponse invalid = validate(req);
        if (invalid != null) return CoordinatorResult.of(invalid);
        if (req.memberEpoch() == ConsumerGroupMember.LEAVE_EPOCH || req.memberEpoch() == ConsumerGroupMember.STATIC_LEAVE_EPOCH) {
            return leave(req);
        }
        ConsumerGroup group = groups.get(req.groupId());
        List<CoordinatorRecord> records = new ArrayList<>();
        if (classicGroupInUse.test(req.groupId())) {
            // Online upgrade (KIP-848): the classic group with its members becomes a consumer group.
            ClassicUpgrade.Outcome up = upgrade == null ? null : upgrade.convert(req.groupId(), this);
            if (up == null || up.error() != Errors.NONE) {
                Errors e = up == null ? Errors.GROUP_ID_NOT_FOUND : up.error();
                return CoordinatorResult.of(HeartbeatResponse.error(e, up == null
                        ? "Group " + req.groupId() + " is a classic group and group.consumer.migration.policy forbids upgrades."
                        : up.message()));
            }
            group = up.group();
            records.addAll(up.records());
        }
        Map<String, ConsumerGroupMember> members = new LinkedHashMap<>(group == null ? Map.of() : group.members);
        Map<String, Assignment> target = new HashMap<>(group == null ? Map.of() : group.targetAssignment);
        String groupId = req.groupId();
        String memberId = req.memberId() == null || req.memberId().isEmpty() ? UUID.randomUUID().toString() : req.memberId();
        ConsumerGroupMember member = members.get(memberId);
        boolean joining = member == null;
        if (req.memberEpoch() == 0) {
            String staticId = req.instanceId() == null || group == null ? null : group.staticMembers.get(req.instanceId());
            if (staticId != null && !staticId.equals(memberId)) {
                ConsumerGroupMember old = members.get(staticId);
                if (old.memberEpoch() != ConsumerGroupMember.STATIC_LEAVE_EPOCH) {
                    return CoordinatorResult.of(HeartbeatResponse.error(Errors.UNRELEASED_INSTANCE_ID,
                            "Static member " + staticId + " with instance id " + req.instanceId() + " has not left yet."));
                }
                // The instance comes back under a new member id: it takes over the old member's partitions, no rebalance.
                members.remove(staticId);
                timer.cancel(sessionKey(groupId, staticId));
                timer.cancel(rebalanceKey(groupId, staticId));
                records.add(ConsumerGroupRecords.currentAssignmentTombstone(groupId, staticId));
                records.add(ConsumerGroupRecords.targetMemberTombstone(groupId, staticId));
                records.add(ConsumerGroupRecords.memberTombstone(groupId, staticId));
                member = old.withId(memberId).withAssignment(0, 0, old.state(), old.assigned(), old.pendingRevocation());
                Assignment oldTarget = target.remove(staticId);
                target.put(memberId, oldTarget == null ? Assignment.EMPTY : oldTarget);
                records.add(ConsumerGroupRecords.targetMember(groupId, memberId, target.get(memberId)));
                joining = false;
                log.info("consumer group {}: static member {} is back as {}", groupId, req.instanceId(), memberId);
            } else if (member == null) {
                if (members.size() >= settings.maxSize()) {
                    return CoordinatorResult.of(HeartbeatResponse.error(Errors.GROUP_MAX_SIZE_REACHED,
                            "The consumer group has reached its maximum capacity of " + settings.maxSize() + " members."));
                }
                member = ConsumerGroupMember.joining(memberId);
            }
        } else {
            if (member == null) {
                return CoordinatorResult.of(HeartbeatResponse.error(Errors.UNKNOWN_MEMBER_ID,
                        "Member " + memberId + " is not a member of group " + groupId + "."));
            }
            if (req.instanceId() != null && !req.instanceId().equals(member.instanceId())) {
                return CoordinatorResult.of(HeartbeatResponse.error(Errors.FENCED_INSTANCE_ID, "Instance id mismatch."));
            }
            Errors fenced = checkEpoch(member, req.memberEpoch(), req.ownedPartitions());
            if (fenced != Errors.NONE) {
                return CoordinatorResult.of(HeartbeatResponse.error(fenced, "The consumer group member has a greater member "
                        + "epoch (" + member.memberEpoch() + ") than the one known by the client (" + req.memberEpoch() + ")."));
            }
        }
        // Fields a client leaves out (null, -1) keep their last value.
        ConsumerGroupMember updated = member.withMetadata(
                req.instanceId() != null ? req.instanceId() : member.instanceId(),
                req.rackId() != null ? req.rackId() : member.rackId(),
                req.clientId() == null ? member.clientId() : req.clientId(),
                req.clientHost() == null ? member.clientHost() : req.clientHost(),
                req.subscribedTopicNames() != null ? req.subscribedTopicNames() : member.subscribedTopicNames(),
                req.subscribedTopicRegex() != null ? emptyToNull(req.subscribedTopicRegex()) : member.subscribedTopicRegex(),
                req.serverAssignor() != null ? emptyToNull(req.serverAssignor()) : member.serverAssignor(),
                req.rebalanceTimeoutMs() > 0 ? req.rebalanceTimeoutMs() : member.rebalanceTimeoutMs());
        ConsumerGroupMember reconciled = apply(group, members, target, records, member, updated, joining,
                req.memberEpoch() == 0 ? Assignment.EMPTY : req.ownedPartitions(), null);
        scheduleSession(groupId, memberId, settings.sessionTimeoutMs(groupId));

        boolean sendAssignment = req.memberEpoch() == 0 || !reconciled.assigned().equals(member.assigned())
                || reconciled.memberEpoch() != req.memberEpoch()
                || (req.ownedPartitions() != null && !req.ownedPartitions().equals(reconciled.assigned()));
        return new CoordinatorResult<>(records, new HeartbeatResponse(Errors.NONE, null, memberId, reconciled.memberEpoch(),
                settings.heartbeatIntervalMs(groupId), sendAssignment ? reconciled.assigned() : null));
    }

    /**
     * The records for a member's new metadata, a new group epoch if the subscriptions or their topics changed, a
     * new target if the group epoch moved ahead, and the member's next step towards it. {@code group} may be null
     * (a new group) or not yet replayed (an upgrade); {@code members} and {@code target} are working copies.
     */
    ConsumerGroupMember apply(ConsumerGroup group, Map<String, ConsumerGroupMember> members, Map<String, Assignment> target,
                              List<CoordinatorRecord> records, ConsumerGroupMember member, ConsumerGroupMember updated,
                              boolean joining, Assignment owned, ClassicMemberInfo classic) {
        String groupId = group == null ? null : group.groupId;
        if (groupId == null) groupId = currentGroupId;
        String memberId = updated.memberId();
        ClassicMemberInfo oldClassic = group == null ? null : group.classicMembers.get(memberId);
        boolean classicChanged = classic == null ? oldClassic != null : !classic.sameAs(oldClassic);
        if (joining || !updated.sameMetadata(member) || classicChanged) {
            records.add(ConsumerGroupRecords.memberMetadata(groupId, updated, classic));
        }
        members.put(memberId, updated);

        int groupEpoch = group == null ? 0 : group.groupEpoch;
        int assignmentEpoch = group == null ? 0 : group.assignmentEpoch;
        Map<UUID, Integer> subscribed = subscribedPartitions(members.values());
        long hash = metadataHash(subscribed);
        boolean bump = joining || !updated.sameSubscription(member) || group == null || hash != group.metadataHash;
        if (bump) {
            groupEpoch++;
            records.add(ConsumerGroupRecords.groupEpoch(groupId, groupEpoch, hash));
        }
        if (groupEpoch > assignmentEpoch) {
            assignmentEpoch = groupEpoch;
            records.addAll(newTarget(groupId, members, subscribed, target));
            records.add(ConsumerGroupRecords.targetEpoch(groupId, assignmentEpoch));
        }

        ConsumerGroupMember reconciled = Reconciliation.next(updated, target.getOrDefault(memberId, Assignment.EMPTY),
                assignmentEpoch, owners(members, memberId), owned);
        members.put(memberId, reconciled);
        if (joining || !reconciled.equals(member)) records.add(ConsumerGroupRecords.currentAssignment(groupId, reconciled));
        updateRebalanceTimer(groupId, updated, reconciled);
        return reconciled;
    }

    private HeartbeatResponse validate(HeartbeatRequest req) {
        if (req.groupId() == null || req.groupId().isEmpty()) return invalid("GroupId can't be empty.");
        if (req.instanceId() != null && req.instanceId().isEmpty()) return invalid("InstanceId can't be empty.");
        if (req.memberEpoch() < ConsumerGroupMember.STATIC_LEAVE_EPOCH) return invalid("MemberEpoch is invalid.");
        if (req.memberEpoch() != 0 && (req.memberId() == null || req.memberId().isEmpty())) return invalid("MemberId can't be empty.");
        if (req.memberEpoch() == 0) {
            if (req.rebalanceTimeoutMs() <= 0) return invalid("RebalanceTimeoutMs must be provided in first request.");
            if (req.subscribedTopicNames() == null && req.subscribedTopicRegex() == null) {
                return invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
            }
        }
        if (req.serverAssignor() != null && !req.serverAssignor().isEmpty() && !assignors.containsKey(req.serverAssignor())) {
            return HeartbeatResponse.error(Errors.UNSUPPORTED_ASSIGNOR, "ServerAssignor " + req.serverAssignor() + " is not supported. "
                    + "Supported assignors: " + String.join(", ", assignors.keySet()) + ".");
        }
        if (req.subscribedTopicRegex() != null && !req.subscribedTopicRegex().isEmpty()) {
            try {
                Pattern.compile(req.subscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                return HeartbeatResponse.error(Errors.INVALID_REGULAR_EXPRESSION,
                        "SubscribedTopicRegex `" + req.subscribedTopicRegex() + "` is not a valid regular expression: " + e.getDescription() + ".");
            }
        }
        return null;
    }

    private static HeartbeatResponse invalid(String message) {
        return HeartbeatResponse.error(Errors.INVALID_REQUEST, message);
    }

    /**
     * A member's epoch must be its current one, or its previous one when its last answer was lost (it then owns
     * no more than it was given); anything else is fenced.
     */
    private static Errors checkEpoch(ConsumerGroupMember member, int received, Assignment owned) {
        if (received == member.memberEpoch()) return Errors.NONE;
        if (received < member.memberEpoch() && received == member.previousMemberEpoch() && owned != null
                && owned.minus(member.assigned()).isEmpty()) {
            return Errors.NONE;
        }
        return Errors.FENCED_MEMBER_EPOCH;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    // ------------------------------------------------------------------------------------------------ leave, expiry

    private CoordinatorResult<HeartbeatResponse> leave(HeartbeatRequest req) {
        ConsumerGroup group = groups.get(req.groupId());
        ConsumerGroupMember m = group == null ? null : group.members.get(req.memberId());
        if (m == null) {
            return CoordinatorResult.of(HeartbeatResponse.error(Errors.UNKNOWN_MEMBER_ID,
                    "Member " + req.memberId() + " is not a member of group " + req.groupId() + "."));
        }
        if (req.memberEpoch() == ConsumerGroupMember.STATIC_LEAVE_EPOCH && m.isStatic()) {
            // A static member leaves for a while: it keeps its partitions until its session expires.
            ConsumerGroupMember away = m.withAssignment(ConsumerGroupMember.STATIC_LEAVE_EPOCH, m.memberEpoch(), m.state(),
                    m.assigned(), m.pendingRevocation());
            timer.cancel(rebalanceKey(req.groupId(), m.memberId()));
            log.info("consumer group {}: static member {} left temporarily", req.groupId(), m.instanceId());
            return new CoordinatorResult<>(List.of(ConsumerGroupRecords.currentAssignment(req.groupId(), away)),
                    new HeartbeatResponse(Errors.NONE, null, m.memberId(), ConsumerGroupMember.STATIC_LEAVE_EPOCH, 0, null));
        }
        log.info("consumer group {}: member {} left", req.groupId(), m.memberId());
        return new CoordinatorResult<>(removalRecords(group, m.memberId()),
                new HeartbeatResponse(Errors.NONE, null, m.memberId(), ConsumerGroupMember.LEAVE_EPOCH, 0, null));
    }

    /** The records that take a member out and give the rest a new target (a new group epoch). */
    List<CoordinatorRecord> removalRecords(ConsumerGroup group, String memberId) {
        String groupId = group.groupId;
        timer.cancel(sessionKey(groupId, memberId));
        timer.cancel(rebalanceKey(groupId, memberId));
        List<CoordinatorRecord> records = new ArrayList<>();
        records.add(ConsumerGroupRecords.currentAssignmentTombstone(groupId, memberId));
        records.add(ConsumerGroupRecords.targetMemberTombstone(groupId, memberId));
        records.add(ConsumerGroupRecords.memberTombstone(groupId, memberId));
        Map<String, ConsumerGroupMember> members = new LinkedHashMap<>(group.members);
        members.remove(memberId);
        Map<String, Assignment> target = new HashMap<>(group.targetAssignment);
        target.remove(memberId);
        Map<UUID, Integer> subscribed = subscribedPartitions(members.values());
        int epoch = group.groupEpoch + 1;
        records.add(ConsumerGroupRecords.groupEpoch(groupId, epoch, metadataHash(subscribed)));
        records.addAll(newTarget(groupId, members, subscribed, target));
        records.add(ConsumerGroupRecords.targetEpoch(groupId, epoch));
        return records;
    }

    void scheduleSession(String groupId, String memberId, int timeoutMs) {
        timer.schedule(sessionKey(groupId, memberId), timeoutMs, () -> expire(groupId, memberId, "session expired"));
    }

    /** Installs the online upgrade of classic groups (the shard owns the classic groups). */
    public void allowUpgrades(ClassicUpgrade upgrade) {
        this.upgrade = upgrade;
    }

    void beginOperation(String groupId) {
        currentGroupId = groupId;
    }

    private void updateRebalanceTimer(String groupId, ConsumerGroupMember before, ConsumerGroupMember after) {
        String key = rebalanceKey(groupId, after.memberId());
        if (after.state() != MemberState.UNREVOKED_PARTITIONS) {
            timer.cancel(key);
        } else if (before.state() != MemberState.UNREVOKED_PARTITIONS || !timer.isScheduled(key)) {
            // The member has its rebalance timeout to give the partitions up, or it is fenced out of the group.
            int epoch = after.memberEpoch();
            int timeout = after.rebalanceTimeoutMs() > 0 ? after.rebalanceTimeoutMs() : settings.sessionTimeoutMs(groupId);
            timer.schedule(key, timeout, () -> {
                ConsumerGroup g = groups.get(groupId);
                ConsumerGroupMember m = g == null ? null : g.members.get(after.memberId());
                if (m == null || m.state() != MemberState.UNREVOKED_PARTITIONS || m.memberEpoch() != epoch) return List.of();
                return expire(groupId, after.memberId(), "did not revoke its partitions within its rebalance timeout");
            });
        }
    }

    private List<CoordinatorRecord> expire(String groupId, String memberId, String why) {
        ConsumerGroup g = groups.get(groupId);
        if (g == null || !g.members.containsKey(memberId)) return List.of();
        log.info("consumer group {}: member {} {}, removed", groupId, memberId, why);
        return removalRecords(g, memberId);
    }

    static String sessionKey(String groupId, String memberId) {
        return "consumer-session/" + groupId + "/" + memberId;
    }

    static String rebalanceKey(String groupId, String memberId) {
        return "consumer-rebalance/" + groupId + "/" + memberId;
    }

    // ------------------------------------------------------------------------------------------------ assignment

    /** The topics each member subscribes to (names and regex matches), as existing topic ids. */
    private Map<String, Set<UUID>> subscriptions(java.util.Collection<ConsumerGroupMember> members) {
        Map<String, TopicMeta> all = topics.byName();
        Map<String, Set<UUID>> out = new LinkedHashMap<>();
        for (ConsumerGroupMember m : members) {
            Set<UUID> ids = new TreeSet<>();
            for (String t : m.subscribedTopicNames()) {
                TopicMeta meta = all.get(t);
                if (meta != null) ids.add(meta.id());
            }
            if (m.subscribedTopicRegex() != null) {
                Pattern p = Pattern.compile(m.subscribedTopicRegex());
                for (TopicMeta meta : all.values()) if (p.matcher(meta.name()).matches()) ids.add(meta.id());
            }
            out.put(m.memberId(), ids);
        }
        return out;
    }

    private Map<UUID, Integer> subscribedPartitions(java.util.Collection<ConsumerGroupMember> members) {
        Map<UUID, Integer> out = new TreeMap<>();
        Map<UUID, TopicMeta> byId = new HashMap<>();
        for (TopicMeta t : topics.byName().values()) byId.put(t.id(), t);
        subscriptions(members).values().forEach(ids -> ids.forEach(id -> out.put(id, byId.get(id).partitions())));
        return out;
    }

    /** Changes whenever a subscribed topic appears, disappears or changes its partition count. */
    private static long metadataHash(Map<UUID, Integer> subscribed) {
        long h = 1125899906842597L;
        for (Map.Entry<UUID, Integer> e : subscribed.entrySet()) {
            h = 31 * h + e.getKey().getMostSignificantBits();
            h = 31 * h + e.getKey().getLeastSignificantBits();
            h = 31 * h + e.getValue();
        }
        return h;
    }

    /** Runs the group's assignor; returns target records for the members whose target changed (updates {@code target}). */
    private List<CoordinatorRecord> newTarget(String groupId, Map<String, ConsumerGroupMember> members,
                                              Map<UUID, Integer> partitions, Map<String, Assignment> target) {
        Map<String, Set<UUID>> subs = subscriptions(members.values());
        Map<String, PartitionAssignor.MemberSubscription> input = new TreeMap<>();
        subs.forEach((m, ids) -> input.put(m, new PartitionAssignor.MemberSubscription(m, ids)));
        PartitionAssignor assignor = assignorFor(members.values());
        Map<String, Assignment> next = assignor.assign(input, partitions, target);
        List<CoordinatorRecord> records = new ArrayList<>();
        for (String m : members.keySet()) {
            Assignment a = next.getOrDefault(m, Assignment.EMPTY);
            if (!a.equals(target.get(m))) records.add(ConsumerGroupRecords.targetMember(groupId, m, a));
            target.put(m, a);
        }
        return records;
    }

    /** The assignor most members name, else the first of {@code group.consumer.assignors} (Kafka's choice). */
    private PartitionAssignor assignorFor(java.util.Collection<ConsumerGroupMember> members) {
        Map<String, Integer> votes = new TreeMap<>();
        for (ConsumerGroupMember m : members) if (m.serverAssignor() != null) votes.merge(m.serverAssignor(), 1, Integer::sum);
        String best = null;
        for (Map.Entry<String, Integer> e : votes.entrySet()) if (best == null || e.getValue() > votes.get(best)) best = e.getKey();
        return best != null && assignors.containsKey(best) ? assignors.get(best) : assignors.values().iterator().next();
    }

    private static Map<UUID, Map<Integer, String>> owners(Map<String, ConsumerGroupMember> members, String except) {
        Map<UUID, Map<Integer, String>> out = new HashMap<>();
        for (ConsumerGroupMember m : members.values()) {
            if (m.memberId().equals(except)) continue;
            for (Assignment a : new Assignment[] {m.assigned(), m.pendingRevocation()}) {
                a.partitions().forEach((t, ps) -> ps.forEach(p -> out.computeIfAbsent(t, k -> new HashMap<>()).put(p, m.memberId())));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ other APIs

    /** OffsetCommit by a member of a consumer group: the member epoch stands in for the generation. */
    public Errors validateCommit(String groupId, String memberId, int memberEpoch) {
        ConsumerGroup g = groups.get(groupId);
        if (g == null) return Errors.NONE;
        if (memberEpoch < 0 && (memberId == null || memberId.isEmpty())) {
            return g.members.isEmpty() ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        ConsumerGroupMember m = g.members.get(memberId);
        if (m == null) return Errors.UNKNOWN_MEMBER_ID;
        if (memberEpoch != m.memberEpoch()) {
            // A classic member's generation is its member epoch; it knows ILLEGAL_GENERATION, not the new code.
            return g.classicMembers.containsKey(memberId) ? Errors.ILLEGAL_GENERATION : Errors.STALE_MEMBER_EPOCH;
        }
        return Errors.NONE;
    }

    /**
     * TxnOffsetCommit (v3+ carries member id and epoch) by a member of a consumer group, as Kafka checks it: a
     * commit without member id, epoch and instance id is accepted (older versions do not send them); otherwise the
     * member must exist (UNKNOWN_MEMBER_ID) and the epoch be its current one (STALE_MEMBER_EPOCH, or
     * ILLEGAL_GENERATION for a classic member inside the group).
     */
    public Errors validateTxnCommit(String groupId, String memberId, String groupInstanceId, int memberEpoch) {
        ConsumerGroup g = groups.get(groupId);
        if (g == null) return Errors.NONE;
        if (memberEpoch < 0 && g.members.isEmpty()) return Errors.NONE;
        if (memberEpoch == -1 && (memberId == null || memberId.isEmpty()) && groupInstanceId == null) return Errors.NONE;
        ConsumerGroupMember m = memberId == null ? null : g.members.get(memberId);
        if (m == null) return Errors.UNKNOWN_MEMBER_ID;
        if (memberEpoch != m.memberEpoch()) {
            return g.classicMembers.containsKey(memberId) ? Errors.ILLEGAL_GENERATION : Errors.STALE_MEMBER_EPOCH;
        }
        return Errors.NONE;
    }

    /** The records deleting a consumer group without members (its offsets are the caller's). */
    public List<CoordinatorRecord> deletionRecords(String groupId) {
        ConsumerGroup g = groups.get(groupId);
        if (g == null) return List.of();
        if (!g.members.isEmpty()) throw new IllegalStateException("consumer group " + groupId + " still has members");
        List<CoordinatorRecord> records = new ArrayList<>();
        for (String m : g.targetAssignment.keySet()) records.add(ConsumerGroupRecords.targetMemberTombstone(groupId, m));
        records.add(ConsumerGroupRecords.targetEpochTombstone(groupId));
        records.add(ConsumerGroupRecords.groupTombstone(groupId));
        return records;
    }

    Map<String, TopicMeta> topicsByName() {
        return topics.byName();
    }

    public String topicName(UUID id) {
        for (TopicMeta t : topics.byName().values()) if (t.id().equals(id)) return t.name();
        return null;
    }

    /** The assignor the group's target comes from. */
    public String assignorOf(ConsumerGroup g) {
        return assignorFor(g.members.values()).name();
    }

    /** For tests and admin: the member, or null. */
    public ConsumerGroupMember member(String groupId, String memberId) {
        ConsumerGroup g = groups.get(groupId);
        return g == null ? null : g.members.get(memberId);
    }

    public Settings settings() {
        return settings;
    }
}
