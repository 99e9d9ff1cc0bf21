package io.fjord.client.consumer.internals;

import io.fjord.client.common.Cluster;
import io.fjord.client.network.Metadata;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a group member subscribed to, as both group protocols keep it: a list of topics (the metadata follows just
 * those) or a pattern (the metadata follows every topic and the pattern picks, again on each change). The member
 * keeps the resulting topic set itself, since what a change of it triggers differs by protocol. Polling thread only.
 */
final class TopicSubscription {
    private final Metadata metadata;
    private Pattern pattern;

    TopicSubscription(Metadata metadata) {
        this.metadata = metadata;
    }

    /** Points the metadata at the new subscription; returns the topics it names now (the pattern's matches, sorted). */
    Set<String> subscribe(Set<String> topics, Pattern newPattern) {
        pattern = newPattern;
        if (newPattern != null) {
            metadata.setAllTopics(true);
            metadata.requestUpdate();
            return matching(metadata.cluster());
        }
        metadata.setAllTopics(false);
        metadata.setTopics(topics);
        return topics;
    }

    /** The pattern subscribed to, or null for a list of topics. */
    Pattern pattern() {
        return pattern;
    }

    /** The topics of {@code c} the pattern matches, sorted; only with a pattern. */
    Set<String> matching(Cluster c) {
        if (pattern == null) throw new IllegalStateException("not subscribed to a pattern");
        Set<String> out = new TreeSet<>();
        for (String t : c.topics()) if (pattern.matcher(t).matches()) out.add(t);
        return out;
    }
}
