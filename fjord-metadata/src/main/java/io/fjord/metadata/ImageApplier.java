package io.fjord.metadata;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies one {@link MetadataRecord} to an image, giving the next image. Pure: every node computes the same. It
 * does not judge: checks that depend on the state are made before (the controllers, the Raft state machine).
 */
public final class ImageApplier {
    private ImageApplier() {
    }

    public static ClusterImage apply(ClusterImage image, MetadataRecord r) {
        if (r instanceof MetadataRecord.TopicCreated t) {
            Map<Integer, PartitionState> parts = new HashMap<>();
            for (PartitionState p : t.partitions()) parts.put(p.partition(), p);
            return image.withTopic(new TopicImage(t.name(), t.id(), parts, t.configs()));
        }
        if (r instanceof MetadataRecord.PartitionsAdded a) {
            TopicImage old = image.topic(a.name());
            if (old == null || !old.id().equals(a.id())) return image;
            Map<Integer, PartitionState> parts = new HashMap<>(old.partitions());
            for (PartitionState p : a.partitions()) parts.put(p.partition(), p);
            return image.withTopic(new TopicImage(old.name(), old.id(), parts, old.configs()));
        }
        if (r instanceof MetadataRecord.BrokerConfigsSet b) {
            return image.withBrokerConfigs(b.resource(), b.configs());
        }
        if (r instanceof MetadataRecord.GroupConfigsSet g) return image.withGroupConfigs(g.group(), g.configs());
        if (r instanceof MetadataRecord.TopicConfigsSet c) {
            TopicImage old = image.topic(c.name());
            return old == null ? image : image.withTopic(new TopicImage(old.name(), old.id(), old.partitions(), c.configs()));
        }
        if (r instanceof MetadataRecord.TopicDeleted d) return image.withoutTopic(d.name());
        if (r instanceof MetadataRecord.ProducerIdsBlockAllocated b) {
            return image.withNextProducerIdBlock(Math.max(image.nextProducerIdBlock(), b.nextBlockStart()));
        }
        if (r instanceof MetadataRecord.BrokerRegistered b) {
            return image.withBroker(new BrokerNode(b.id(), b.host(), b.port(), b.rack(), b.endpoints()), b.incarnation());
        }
        if (r instanceof MetadataRecord.ScramCredentialUpserted c) return image.withScramCredential(c);
        if (r instanceof MetadataRecord.ClientQuotaChanged q) return image.withClientQuota(q);
        if (r instanceof MetadataRecord.AclCreated a) return image.withAcl(a);
        if (r instanceof MetadataRecord.FeatureLevel f) return image.withFeatureLevel(f);
        if (r instanceof MetadataRecord.AclDeleted d) return image.withoutAcl(d.acl());
        if (r instanceof MetadataRecord.ScramCredentialDeleted d) return image.withoutScramCredential(d.user(), d.mechanism());
        if (r instanceof MetadataRecord.BrokerFenced f) return image.withFenced(f.id(), true);
        if (r instanceof MetadataRecord.BrokerUnfenced u) return image.withFenced(u.id(), false);
        if (r instanceof MetadataRecord.BrokerShuttingDown d) return image.withShuttingDown(d.id());
        if (r instanceof MetadataRecord.BrokerUnregistered u) return image.withoutBroker(u.id());
        if (r instanceof MetadataRecord.PartitionChanged c) {
            TopicImage old = image.topic(c.topic());
            if (old == null || !old.id().equals(c.topicId()) || old.partition(c.partition()) == null) return image;
            PartitionState p = old.partition(c.partition());
            Map<Integer, PartitionState> parts = new HashMap<>(old.partitions());
            parts.put(p.partition(), c.applyTo(p));
            return image.withTopic(new TopicImage(old.name(), old.id(), parts, old.configs()));
        }
        return image;
    }

    /** The whole image as records that rebuild it from an empty one (a snapshot). */
    public static List<MetadataRecord> asRecords(ClusterImage image) {
        List<MetadataRecord> out = new ArrayList<>();
        for (BrokerNode b : image.brokers().values()) {
            out.add(new MetadataRecord.BrokerRegistered(b.id(), image.incarnation(b.id()) == null ? "" : image.incarnation(b.id()),
                    b.host(), b.port(), b.rack(), b.endpoints()));
            if (image.isShuttingDown(b.id())) out.add(new MetadataRecord.BrokerShuttingDown(b.id()));
            else if (image.isFenced(b.id())) out.add(new MetadataRecord.BrokerFenced(b.id()));
        }
        for (Map.Entry<String, Map<String, String>> e : image.allBrokerConfigs().entrySet()) {
            out.add(new MetadataRecord.BrokerConfigsSet(e.getKey(), e.getValue()));
        }
        for (Map.Entry<String, Map<String, String>> e : image.allGroupConfigs().entrySet()) {
            out.add(new MetadataRecord.GroupConfigsSet(e.getKey(), e.getValue()));
        }
        for (Map<String, MetadataRecord.ScramCredentialUpserted> byMechanism : image.scramCredentials().values()) {
            out.addAll(byMechanism.values());
        }
        out.addAll(image.acls());
        image.clientQuotas().forEach((entity, quotas) ->
                quotas.forEach((key, value) -> out.add(new MetadataRecord.ClientQuotaChanged(entity, key, value))));
        out.addAll(image.features().asRecords());
        for (TopicImage t : image.topics()) {
            List<PartitionState> parts = new ArrayList<>();
            t.orderedPartitions().forEach(parts::add);
            out.add(new MetadataRecord.TopicCreated(t.name(), t.id(), parts, t.configs()));
        }
        if (image.nextProducerIdBlock() > 0) {
            out.add(new MetadataRecord.ProducerIdsBlockAllocated(-1, image.nextProducerIdBlock(), 0));
        }
        return out;
    }
}
