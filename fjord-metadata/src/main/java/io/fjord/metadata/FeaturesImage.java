package io.fjord.metadata;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster's finalized feature levels (Kafka's feature flags, KIP-584/KIP-778): what this version of Fjord
 * supports, the levels a new cluster starts at (as a new Kafka 4.4 cluster: {@code metadata.version} 33 =
 * 4.4-IV2, {@code group.version} 1, {@code transaction.version} 2), and the changes the metadata log recorded
 * ({@link MetadataRecord.FeatureLevel}). A level of 0 means the feature is not finalized (off). The epoch is the one
 * ApiVersions answers as {@code FinalizedFeaturesEpoch}: 0 at bootstrap, raised by every committed change, so
 * clients can tell a newer view from an older one. Immutable.
 */
public final class FeaturesImage {
    /** A supported range of levels, both ends included. */
    public record Range(short min, short max) {
        public boolean contains(int level) {
            return level >= min && level <= max;
        }
    }

    public static final String METADATA_VERSION = "metadata.version";
    public static final String GROUP_VERSION = "group.version";
    public static final String TRANSACTION_VERSION = "transaction.version";

    /** The features Fjord knows, with the levels it supports, in the order ApiVersions lists them. */
    public static final Map<String, Range> SUPPORTED;
    /** Where a new cluster starts. */
    private static final Map<String, Short> BOOTSTRAP;

    static {
        Map<String, Range> s = new LinkedHashMap<>();
        s.put(METADATA_VERSION, new Range((short) 7, (short) 33)); // 3.3-IV3 .. 4.4-IV2
        s.put(GROUP_VERSION, new Range((short) 0, (short) 1));
        s.put(TRANSACTION_VERSION, new Range((short) 0, (short) 2));
        SUPPORTED = java.util.Collections.unmodifiableMap(s);
        Map<String, Short> b = new LinkedHashMap<>();
        b.put(METADATA_VERSION, (short) 33);
        b.put(GROUP_VERSION, (short) 1);
        b.put(TRANSACTION_VERSION, (short) 2);
        BOOTSTRAP = java.util.Collections.unmodifiableMap(b);
    }

    public static final FeaturesImage DEFAULT = new FeaturesImage(BOOTSTRAP, 0);

    private final Map<String, Short> levels;
    private final long epoch;

    private FeaturesImage(Map<String, Short> levels, long epoch) {
        this.levels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(levels));
        this.epoch = epoch;
    }

    /** The level of {@code feature}, 0 if it is not finalized. */
    public short level(String feature) {
        return levels.getOrDefault(feature, (short) 0);
    }

    /** The finalized features (level 1 or more), in ApiVersions order. */
    public Map<String, Short> finalized() {
        Map<String, Short> out = new LinkedHashMap<>();
        levels.forEach((k, v) -> {
            if (v >= 1) out.put(k, v);
        });
        return out;
    }

    public long epoch() {
        return epoch;
    }

    /** This image with {@code r} applied (pure). */
    public FeaturesImage with(MetadataRecord.FeatureLevel r) {
        Map<String, Short> next = new LinkedHashMap<>(levels);
        next.put(r.name(), r.level());
        return new FeaturesImage(next, Math.max(epoch, r.epoch()));
    }

    /** The records that rebuild this image from {@link #DEFAULT} (a snapshot): every level that differs. */
    public java.util.List<MetadataRecord.FeatureLevel> asRecords() {
        java.util.List<MetadataRecord.FeatureLevel> out = new java.util.ArrayList<>();
        levels.forEach((k, v) -> {
            if (!v.equals(BOOTSTRAP.get(k)) || epoch > 0) out.add(new MetadataRecord.FeatureLevel(k, v, epoch));
        });
        return out;
    }

    /** How an UpdateFeatures entry may move a level (Kafka's upgrade types). */
    public enum UpgradeType {
        UPGRADE, SAFE_DOWNGRADE, UNSAFE_DOWNGRADE;

        /** Kafka's codes: 1 upgrade, 2 safe downgrade, 3 unsafe downgrade; null for an unknown code. */
        public static UpgradeType forCode(int code) {
            return switch (code) {
                case 1 -> UPGRADE;
                case 2 -> SAFE_DOWNGRADE;
                case 3 -> UNSAFE_DOWNGRADE;
                default -> null;
            };
        }
    }

    /**
     * Why setting {@code feature} to {@code level} is refused (Kafka answers INVALID_UPDATE_VERSION for each), or
     * null if it may be written: the feature must be known and the level supported (0 turns a feature off, except
     * {@code metadata.version}, which can neither be turned off nor downgraded: no record format can go back); an
     * upgrade may not lower the level, and a downgrade not raise it.
     */
    public String refusal(String feature, int level, UpgradeType type) {
        Range range = SUPPORTED.get(feature);
        if (range == null) return "The controller does not support the given feature " + feature + ".";
        if (type == null) return "Unknown upgrade type for feature " + feature + ".";
        if (level != 0 && !range.contains(level) || level < 0) {
            return "Invalid update version " + level + " for feature " + feature + ". Fjord supports versions "
                    + range.min() + "-" + range.max() + ".";
        }
        short current = level(feature);
        if (feature.equals(METADATA_VERSION) && level < current) {
            return level == 0 ? "The metadata.version feature cannot be removed."
                    : "Downgrading metadata.version from " + current + " to " + level + " is not supported.";
        }
        if (type == UpgradeType.UPGRADE && level < current) {
            return "Can not downgrade " + feature + " from " + current + " to " + level
                    + " without setting the upgrade type to safe or unsafe downgrade.";
        }
        if (type != UpgradeType.UPGRADE && level > current) {
            return "Can not upgrade " + feature + " from " + current + " to " + level + " with a downgrade.";
        }
        return null;
    }
}
