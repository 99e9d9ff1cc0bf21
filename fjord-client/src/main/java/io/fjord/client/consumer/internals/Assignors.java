package io.fjord.client.consumer.internals;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.consumer.ConsumerPartitionAssignor;
import io.fjord.client.consumer.ConsumerPartitionAssignor.RebalanceProtocol;
import io.fjord.client.consumer.CooperativeStickyAssignor;
import io.fjord.client.consumer.RangeAssignor;
import io.fjord.client.consumer.RoundRobinAssignor;
import io.fjord.client.consumer.StickyAssignor;
import io.fjord.client.errors.FjordClientException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** {@code partition.assignment.strategy}: the assignors a consumer offers its group, and their common protocol. */
public final class Assignors {
    private Assignors() {
    }

    /** Kafka's class names, Fjord's class names, or the protocol names; default range then cooperative-sticky. */
    public static List<ConsumerPartitionAssignor> fromConfig(ClientConfig config) {
        Object v = config.asMap().get("partition.assignment.strategy");
        List<String> names = new ArrayList<>();
        if (v == null) {
            names.addAll(List.of("range", "cooperative-sticky"));
        } else if (v instanceof Collection<?> c) {
            for (Object o : c) names.add(o instanceof Class<?> k ? k.getName() : o.toString());
        } else {
            for (String s : v.toString().split(",")) if (!s.isBlank()) names.add(s.trim());
        }
        List<ConsumerPartitionAssignor> out = new ArrayList<>();
        for (String n : names) out.add(byName(n));
        if (out.isEmpty()) throw new FjordClientException("partition.assignment.strategy must name at least one assignor");
        return out;
    }

    public static ConsumerPartitionAssignor byName(String name) {
        String simple = name.substring(name.lastIndexOf('.') + 1);
        switch (simple) {
            case "range", "RangeAssignor" -> {
                return new RangeAssignor();
            }
            case "roundrobin", "RoundRobinAssignor" -> {
                return new RoundRobinAssignor();
            }
            case "sticky", "StickyAssignor" -> {
                return new StickyAssignor();
            }
            case "cooperative-sticky", "CooperativeStickyAssignor" -> {
                return new CooperativeStickyAssignor();
            }
            default -> {
            }
        }
        try {
            Object o = Class.forName(name).getDeclaredConstructor().newInstance();
            if (o instanceof ConsumerPartitionAssignor a) return a;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new FjordClientException("Unknown partition.assignment.strategy " + name);
        }
        throw new FjordClientException(name + " is not a ConsumerPartitionAssignor");
    }

    /** COOPERATIVE if every configured assignor supports it (as Kafka decides), else EAGER. */
    public static RebalanceProtocol commonProtocol(List<ConsumerPartitionAssignor> assignors) {
        for (ConsumerPartitionAssignor a : assignors) {
            if (!a.supportedProtocols().contains(RebalanceProtocol.COOPERATIVE)) return RebalanceProtocol.EAGER;
        }
        return RebalanceProtocol.COOPERATIVE;
    }
}
