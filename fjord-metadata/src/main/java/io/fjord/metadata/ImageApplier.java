package io.fjord.metadata;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Applies one {@link MetadataRecord} to an image, giving the next image. Pure: every node computes the same. */
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
        if (r instanceof MetadataRecord.TopicConfigsSet c) {
            TopicImage old = image.topic(c.name());
            return old == null ? image : image.withTopic(new TopicImage(old.name(), old.id(), old.partitions(), c.configs()));
        }
        if (r instanceof MetadataRecord.TopicDeleted d) return image.withoutTopic(d.name());
        if (r instanceof MetadataRecord.ProducerIdsBlockAllocated b) {
            return image.withNextProducerIdBlock(Math.max(image.nextProducerIdBlock(), b.nextBlockStart()));
        }
        if (r instanceof MetadataRecord.BrokerRegistered b) {
            return image.withBroker(new BrokerNode(b.id(), b.host(), b.port(), b.rack()), b.incarnation());
        }
        if (r instanceof MetadataRecord.BrokerFenced f) return image.withFenced(f.id(), true);
        if (r instanceof MetadataRecord.BrokerUnfenced u) return image.withFenced(u.id(), false);
        if (r instanceof MetadataRecord.PartitionChanged c) {
            TopicImage old = image.topic(c.topic());
            if (old == null || !old.id().equals(c.topicId()) || old.partition(c.partition()) == null) return image;
            PartitionState p = old.partition(c.partition());
            Map<Integer, PartitionState> parts = new HashMap<>(old.partitions());
            parts.put(p.partition(), new PartitionState(p.partition(), p.replicas(), c.isr(), c.leader(), c.leaderEpoch(),
                    c.partitionEpoch()));
            return image.withTopic(new TopicImage(old.name(), old.id(), parts, old.configs()));
        }
        return image;
    }

    /**
     * The changes that fence {@code brokerId}: the fence record, then for each partition it is in: out of the ISR
     * (unless it is the last member, as Kafka keeps it), and if it led, the next live ISR replica in replica order
     * leads with leaderEpoch + 1, or nobody (-1) when none is left (no unclean election).
     */
    public static List<MetadataRecord> fence(ClusterImage image, int brokerId) {
        List<MetadataRecord> out = new ArrayList<>();
        out.add(new MetadataRecord.BrokerFenced(brokerId));
        ClusterImage after = image.withFenced(brokerId, true);
        for (TopicImage t : image.topics()) {
            for (PartitionState p : t.orderedPartitions()) {
                if (!p.replicas().contains(brokerId)) continue;
                List<Integer> isr = new ArrayList<>(p.isr());
                if (isr.size() > 1) isr.remove(Integer.valueOf(brokerId));
                int leader = p.leader();
                int leaderEpoch = p.leaderEpoch();
                if (leader == brokerId) {
                    leader = -1;
                    for (int r : p.replicas()) {
                        if (isr.contains(r) && !after.isFenced(r) && after.broker(r) != null) {
                            leader = r;
                            break;
                        }
                    }
                    leaderEpoch++;
                }
                if (leader != p.leader() || !isr.equals(p.isr())) {
                    out.add(new MetadataRecord.PartitionChanged(t.name(), t.id(), p.partition(), leader, isr, leaderEpoch,
                            p.partitionEpoch() + 1));
                }
            }
        }
        return out;
    }

    /** The changes that unfence {@code brokerId}: it leads (leaderEpoch + 1) the leaderless partitions in whose ISR it is. */
    public static List<MetadataRecord> unfence(ClusterImage image, int brokerId) {
        List<MetadataRecord> out = new ArrayList<>();
        out.add(new MetadataRecord.BrokerUnfenced(brokerId));
        for (TopicImage t : image.topics()) {
            for (PartitionState p : t.orderedPartitions()) {
                if (p.leader() == -1 && p.isr().contains(brokerId)) {
                    out.add(new MetadataRecord.PartitionChanged(t.name(), t.id(), p.partition(), brokerId, p.isr(),
                            p.leaderEpoch() + 1, p.partitionEpoch() + 1));
                }
            }
        }
        return out;
    }

    /** The whole image as records that rebuild it from an empty one (a snapshot). */
    public static List<MetadataRecord> asRecords(ClusterImage image) {
        List<MetadataRecord> out = new ArrayList<>();
        for (BrokerNode b : image.brokers().values()) {
            out.add(new MetadataRecord.BrokerRegistered(b.id(), image.incarnation(b.id()) == null ? "" : image.incarnation(b.id()),
                    b.host(), b.port(), b.rack()));
            if (image.isFenced(b.id())) out.add(new MetadataRecord.BrokerFenced(b.id()));
        }
        for (Map.Entry<String, Map<String, String>> e : image.allBrokerConfigs().entrySet()) {
            out.add(new MetadataRecord.BrokerConfigsSet(e.getKey(), e.getValue()));
        }
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
