package io.fjord.broker.config;

import io.fjord.broker.config.BrokerConfig.Listener;
import io.fjord.metadata.raft.RaftController;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What each listener of a node is for, resolved from Kafka's KRaft settings ({@code process.roles},
 * {@code listeners}, {@code controller.listener.names}, {@code listener.security.protocol.map},
 * {@code advertised.listeners}, {@code inter.broker.listener.name}, {@code controller.quorum.voters}) and checked
 * with Kafka's rules and messages. Immutable.
 *
 * <p>Listeners named in {@code controller.listener.names} are controller listeners: the Raft server binds the
 * node's one controller listener and no Kafka client is ever served there or told about it. The others are broker
 * (Kafka) listeners, bound by the socket server. Two forms are accepted for a voter's Raft address:
 * <ul>
 *   <li>Kafka's: {@code listeners} holds the controller listener, whose port must be the port of the node's
 *       {@code controller.quorum.voters} entry (peers dial the voter entry; the server binds the listener).</li>
 *   <li>Fjord's older one: no controller listener in {@code listeners}; the Raft server binds the voter entry.</li>
 * </ul>
 * A broker-only node never declares a controller listener (Kafka refuses it too); its Raft listener (it follows
 * the metadata log as a Ratis LISTENER) is {@code fjord.metadata.listener}. Kafka listeners may use PLAINTEXT, SSL,
 * SASL_PLAINTEXT or SASL_SSL (their TLS and SASL settings are checked by {@code security.ListenerSecurity} when the
 * config loads); controller listeners PLAINTEXT or SSL (mutual TLS on the Raft traffic, {@code
 * security.RaftTransportSecurity}), not SASL, which Ratis' gRPC channels cannot carry.
 */
public final class ListenerLayout {
    public static final String BROKER = "broker";
    public static final String CONTROLLER = "controller";
    /** Kafka's default for {@code listener.security.protocol.map}: each protocol's name maps to itself. */
    static final String DEFAULT_SECURITY_PROTOCOL_MAP = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";
    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

    /**
     * Where this node's Raft server binds and how to name it in messages: e.g. {@code listener CONTROLLER (Raft)},
     * {@code controller.quorum.voters entry 1@host:9093}, {@code fjord.metadata.listener}.
     */
    public record RaftEndpoint(String label, String host, int port) {
        public String address() {
            return host + ":" + port;
        }
    }

    private final Set<String> roles;
    private final Map<String, String> securityProtocols;
    private final List<String> controllerListenerNames;
    private final List<Listener> brokerListeners;
    private final List<Listener> advertisedBrokerListeners;
    private final String interBrokerListenerName;
    private final List<RaftController.Voter> voters;
    private final RaftEndpoint raftEndpoint;

    private ListenerLayout(Set<String> roles, Map<String, String> securityProtocols, List<String> controllerListenerNames,
                           List<Listener> brokerListeners, List<Listener> advertisedBrokerListeners,
                           String interBrokerListenerName, List<RaftController.Voter> voters, RaftEndpoint raftEndpoint) {
        this.roles = Collections.unmodifiableSet(roles);
        this.securityProtocols = Collections.unmodifiableMap(securityProtocols);
        this.controllerListenerNames = List.copyOf(controllerListenerNames);
        this.brokerListeners = List.copyOf(brokerListeners);
        this.advertisedBrokerListeners = List.copyOf(advertisedBrokerListeners);
        this.interBrokerListenerName = interBrokerListenerName;
        this.voters = List.copyOf(voters);
        this.raftEndpoint = raftEndpoint;
    }

    /** Resolves and checks the settings; a {@link ConfigException} says what is wrong. */
    static ListenerLayout resolve(BrokerConfig c) {
        Set<String> roles = parseRoles(c.get("process.roles"));
        boolean broker = roles.contains(BROKER);
        boolean controller = roles.contains(CONTROLLER);
        int nodeId = c.nodeId();
        List<String> controllerNames = names(c.get("controller.listener.names"));
        List<String> listenerSpecs = csv(c.get("listeners"));
        Map<String, String> protocols = securityProtocols(c, controllerNames, listenerSpecs);
        List<Listener> listeners = Listener.parseAll(c.get("listeners"));
        checkListeners(listeners, protocols, "listeners", controllerNames);
        List<Listener> controllerListeners = listeners.stream().filter(l -> controllerNames.contains(l.name())).toList();
        List<Listener> brokerListeners = listeners.stream().filter(l -> !controllerNames.contains(l.name())).toList();
        List<RaftController.Voter> voters = voters(c.get("controller.quorum.voters"));
        String bootstrap = c.get("controller.quorum.bootstrap.servers");
        if (voters.isEmpty() && bootstrap != null && !bootstrap.isBlank()) {
            throw new ConfigException("controller.quorum.bootstrap.servers (a dynamic KRaft quorum, KIP-853) is not"
                    + " supported by Fjord: set controller.quorum.voters to the static voter set, id@host:port,...");
        }
        boolean raft = !voters.isEmpty();
        Set<Integer> voterIds = new TreeSet<>();
        for (RaftController.Voter v : voters) voterIds.add(v.id());
        RaftController.Voter self = voters.stream().filter(v -> v.id() == nodeId).findFirst().orElse(null);
        boolean listenersExplicit = isSet(c, "listeners");

        if (!raft && (!broker || !controller)) {
            throw new ConfigException("process.roles=" + String.join(",", roles) + " needs controller.quorum.voters");
        }
        if (!raft && !controllerListeners.isEmpty()) {
            throw new ConfigException("listeners has the controller listener " + controllerListeners.get(0).name()
                    + " but controller.quorum.voters is empty: set it to the voter set, id@host:port,... (without it"
                    + " Fjord runs a single node with a local metadata log and no controller listener)");
        }
        RaftEndpoint raftEndpoint = null;
        if (broker && !controller) {
            if (voterIds.contains(nodeId)) {
                throw new ConfigException("If process.roles contains just the 'broker' role, the node id " + nodeId
                        + " must not be included in the set of voters controller.quorum.voters=" + voterIds);
            }
            if (controllerNames.isEmpty()) {
                throw new ConfigException("controller.listener.names must contain at least one value when running KRaft"
                        + " with just the broker role");
            }
            if (!controllerListeners.isEmpty()) {
                throw new ConfigException("controller.listener.names must not contain a value appearing in the"
                        + " 'listeners' configuration when running KRaft with just the broker role");
            }
            for (String name : controllerNames) {
                String protocol = protocols.get(name);
                if (protocol == null) {
                    throw new ConfigException("Controller listener with name " + name + " defined in"
                            + " controller.listener.names not found in listener.security.protocol.map (an explicit"
                            + " security mapping for each controller listener is required if"
                            + " listener.security.protocol.map is non-empty, or if there are security protocols other"
                            + " than PLAINTEXT in use)");
                }
                requireRaftProtocol("controller listener " + name + " (controller.listener.names)", name, protocol);
            }
            raftEndpoint = metadataListener(c.get("fjord.metadata.listener"));
        } else if (raft) {
            if (self == null) {
                throw new ConfigException("If process.roles contains the 'controller' role, the node id " + nodeId
                        + " must be included in the set of voters controller.quorum.voters=" + voterIds);
            }
            if (!broker && listenersExplicit && controllerListeners.size() != listeners.size()) {
                throw new ConfigException("The listeners config must only contain KRaft controller listeners from"
                        + " controller.listener.names when process.roles=controller");
            }
            raftEndpoint = voterEndpoint(self, controllerNames, controllerListeners);
        }

        List<Listener> advertised = List.of();
        String interBroker = null;
        if (broker) {
            advertised = advertisedBrokerListeners(c, brokerListeners, controllerNames, protocols);
            if (advertised.isEmpty()) {
                throw new ConfigException("There must be at least one broker advertised listener. Perhaps all listeners"
                        + " appear in controller.listener.names?");
            }
            interBroker = interBrokerListenerName(c, protocols, advertised);
            if (raftEndpoint != null) checkNoSharedPort(brokerListeners, raftEndpoint);
        }
        return new ListenerLayout(roles, protocols, controllerNames, broker ? brokerListeners : List.of(), advertised,
                interBroker, voters, raftEndpoint);
    }

    /** Given explicitly and not blank (a blank value means the default, as an absent key does). */
    private static boolean isSet(BrokerConfig c, String key) {
        return c.isExplicit(key) && c.get(key) != null && !c.get(key).isBlank();
    }

    private static Set<String> parseRoles(String spec) {
        Set<String> roles = new TreeSet<>();
        for (String r : csv(spec)) roles.add(r.toLowerCase(Locale.ROOT));
        if (roles.isEmpty() || !Set.of(BROKER, CONTROLLER).containsAll(roles)) {
            throw new ConfigException("Invalid value '" + spec + "' for configuration process.roles: expected broker,"
                    + " controller or broker,controller");
        }
        return roles;
    }

    /**
     * The map as given, or Kafka's default; when the map is not set explicitly, Kafka also maps each controller
     * listener name to PLAINTEXT unless an SSL or SASL name is in use among the controller or listener names.
     */
    private static Map<String, String> securityProtocols(BrokerConfig c, List<String> controllerNames, List<String> listenerSpecs) {
        boolean explicit = isSet(c, "listener.security.protocol.map");
        String spec = explicit ? c.get("listener.security.protocol.map") : DEFAULT_SECURITY_PROTOCOL_MAP;
        Map<String, String> map = new LinkedHashMap<>();
        for (String entry : csv(spec)) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new ConfigException("Invalid value '" + spec + "' for configuration listener.security.protocol.map:"
                        + " expected NAME:PROTOCOL,...");
            }
            String name = entry.substring(0, colon).trim().toUpperCase(Locale.ROOT);
            String protocol = entry.substring(colon + 1).trim().toUpperCase(Locale.ROOT);
            if (!PROTOCOLS.contains(protocol)) {
                throw new ConfigException("Invalid security protocol `" + entry.substring(colon + 1).trim()
                        + "` defined in listener.security.protocol.map");
            }
            map.put(name, protocol);
        }
        if (!explicit) {
            boolean sslOrSasl = controllerNames.stream().anyMatch(ListenerLayout::isSslOrSasl)
                    || listenerSpecs.stream().map(ListenerLayout::listenerName).anyMatch(ListenerLayout::isSslOrSasl);
            if (!sslOrSasl) for (String name : controllerNames) map.putIfAbsent(name, "PLAINTEXT");
        }
        return map;
    }

    private static boolean isSslOrSasl(String name) {
        return name.equals("SSL") || name.equals("SASL_SSL") || name.equals("SASL_PLAINTEXT");
    }

    private static String listenerName(String spec) {
        int sep = spec.indexOf(':');
        return (sep < 0 ? spec : spec.substring(0, sep)).trim().toUpperCase(Locale.ROOT);
    }

    private static void checkListeners(List<Listener> listeners, Map<String, String> protocols, String key, List<String> controllerNames) {
        Set<String> names = new LinkedHashSet<>();
        Set<Integer> ports = new LinkedHashSet<>();
        for (Listener l : listeners) {
            String protocol = protocols.get(l.name());
            if (protocol == null) throw new ConfigException("No security protocol defined for listener " + l.name() + " (" + key + ")");
            // Kafka listeners may use any protocol (checked in full by ListenerSecurity); the Raft server speaks
            // Ratis' own gRPC, plaintext or in mutual TLS, never SASL.
            if (controllerNames.contains(l.name())) {
                requireRaftProtocol("controller listener " + l.name() + "://" + l.host() + ":" + l.port() + " (" + key + ")", l.name(), protocol);
            }
            if (!names.add(l.name())) throw new ConfigException("Each listener must have a different name, " + key + ": " + names(listeners));
            if (l.port() != 0 && !ports.add(l.port())) {
                throw new ConfigException("Each listener must have a different port, " + key + ": " + names(listeners));
            }
        }
    }

    private static String names(List<Listener> listeners) {
        List<String> out = new ArrayList<>();
        for (Listener l : listeners) out.add(l.name() + "://" + l.host() + ":" + l.port());
        return String.join(",", out);
    }

    /**
     * The Raft traffic is Ratis' gRPC: it runs plaintext or in mutual TLS ({@code security.RaftTransportSecurity}),
     * but its peer and client channels offer no hook to send credentials, so SASL cannot be carried there.
     */
    private static void requireRaftProtocol(String listener, String name, String protocol) {
        if (protocol.equals("SASL_SSL") || protocol.equals("SASL_PLAINTEXT")) {
            String lower = name.toLowerCase(Locale.ROOT);
            throw new ConfigException(listener + " uses security protocol " + protocol + ": SASL is not supported on"
                    + " controller listeners (Fjord's Raft traffic is Ratis gRPC, whose peer and client channels cannot"
                    + " carry a SASL login, so sasl.mechanism.controller.protocol and listener.name." + lower
                    + ".*.sasl.jaas.config cannot be honoured). Map " + name + " to SSL in listener.security.protocol.map"
                    + " and set listener.name." + lower + ".ssl.client.auth=required: mutual TLS authenticates"
                    + " controllers and brokers on the Raft port");
        }
        if (!protocol.equals("PLAINTEXT") && !protocol.equals("SSL")) {
            throw new ConfigException(listener + " uses security protocol " + protocol + ", which controller listeners"
                    + " do not support (PLAINTEXT or SSL)");
        }
    }

    /** Where a voter's Raft server binds: its controller listener (Kafka's form) or its voter entry (Fjord's). */
    private static RaftEndpoint voterEndpoint(RaftController.Voter self, List<String> controllerNames, List<Listener> controllerListeners) {
        String entry = self.id() + "@" + self.host() + ":" + self.port();
        if (controllerListeners.isEmpty()) {
            return new RaftEndpoint("controller.quorum.voters entry " + entry, self.host(), self.port());
        }
        List<String> present = controllerListeners.stream().map(Listener::name).toList();
        if (!present.containsAll(controllerNames)) {
            throw new ConfigException("controller.listener.names must only contain values appearing in the 'listeners'"
                    + " configuration when running the KRaft controller role: " + controllerNames + " vs " + present);
        }
        if (controllerListeners.size() > 1) {
            throw new ConfigException("listeners has several controller listeners (" + names(controllerListeners)
                    + "): Fjord's Raft server binds one; keep one name in controller.listener.names");
        }
        Listener l = controllerListeners.get(0);
        if (l.port() != self.port()) {
            throw new ConfigException("controller listener " + l.name() + "://" + l.host() + ":" + l.port()
                    + " and this node's controller.quorum.voters entry " + entry + " have different ports: the Raft"
                    + " server binds the listener and the other voters connect to the entry, so the ports must match");
        }
        return new RaftEndpoint("listener " + l.name() + " (Raft)", l.host(), l.port());
    }

    private static RaftEndpoint metadataListener(String address) {
        if (address == null || address.isBlank()) {
            throw new ConfigException("a broker-only node needs fjord.metadata.listener (host:port), the address where"
                    + " it follows the metadata log as a Raft listener");
        }
        int colon = address.lastIndexOf(':');
        try {
            if (colon <= 0) throw new NumberFormatException();
            int port = Integer.parseInt(address.substring(colon + 1).trim());
            if (port < 1 || port > 65535) throw new NumberFormatException();
            return new RaftEndpoint("fjord.metadata.listener", address.substring(0, colon).trim(), port);
        } catch (NumberFormatException e) {
            throw new ConfigException("Invalid value '" + address + "' for configuration fjord.metadata.listener: expected host:port");
        }
    }

    private static List<Listener> advertisedBrokerListeners(BrokerConfig c, List<Listener> brokerListeners,
                                                            List<String> controllerNames, Map<String, String> protocols) {
        String spec = c.get("advertised.listeners");
        if (spec == null || spec.isBlank()) return brokerListeners;
        // Kafka 4 lets advertised.listeners name the controller listener too (samples do); it is never told to
        // clients, so it is dropped here, as Kafka drops it from the brokers' advertised endpoints.
        List<Listener> advertised = new ArrayList<>();
        for (Listener l : Listener.parseAll(spec)) if (!controllerNames.contains(l.name())) advertised.add(l);
        Set<String> listenerNames = new LinkedHashSet<>();
        for (Listener l : brokerListeners) listenerNames.add(l.name());
        Set<String> seen = new LinkedHashSet<>();
        for (Listener l : advertised) {
            if (!listenerNames.contains(l.name())) {
                throw new ConfigException("advertised.listeners listener names must be equal to or a subset of the ones"
                        + " defined in listeners. Found " + String.join(",", advertisedNames(advertised))
                        + ". The valid options based on the current configuration are " + String.join(",", listenerNames));
            }
            if (!seen.add(l.name())) throw new ConfigException("Each listener must have a different name, advertised.listeners: " + spec);
            if (l.host().equals("0.0.0.0")) {
                throw new ConfigException("advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.");
            }
        }
        return advertised;
    }

    private static List<String> advertisedNames(List<Listener> advertised) {
        return advertised.stream().map(Listener::name).toList();
    }

    private static String interBrokerListenerName(BrokerConfig c, Map<String, String> protocols, List<Listener> advertised) {
        String name;
        if (isSet(c, "inter.broker.listener.name")) {
            if (isSet(c, "security.inter.broker.protocol")) {
                throw new ConfigException("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.");
            }
            name = c.get("inter.broker.listener.name").trim().toUpperCase(Locale.ROOT);
            if (!protocols.containsKey(name)) {
                throw new ConfigException("Listener with name " + name + " defined in inter.broker.listener.name not"
                        + " found in listener.security.protocol.map.");
            }
        } else {
            name = c.get("security.inter.broker.protocol").trim().toUpperCase(Locale.ROOT);
            if (!PROTOCOLS.contains(name)) {
                throw new ConfigException("Invalid security protocol `" + name + "` defined in security.inter.broker.protocol");
            }
        }
        if (!advertisedNames(advertised).contains(name)) {
            throw new ConfigException("inter.broker.listener.name must be a listener name defined in advertised.listeners."
                    + " The valid options based on currently configured listeners are " + String.join(",", advertisedNames(advertised)));
        }
        return name;
    }

    /** A broker listener on the Raft port would make one of the two binds fail: say so before binding. */
    private static void checkNoSharedPort(List<Listener> brokerListeners, RaftEndpoint raft) {
        for (Listener l : brokerListeners) {
            boolean overlap = l.host().equals(raft.host()) || l.host().equals("0.0.0.0") || raft.host().equals("0.0.0.0");
            if (l.port() == raft.port() && l.port() != 0 && overlap) {
                throw new ConfigException("listener " + l.name() + "://" + l.host() + ":" + l.port() + " and the "
                        + raft.label() + " (" + raft.address() + ") use the same port; give them different ports");
            }
        }
    }

    private static List<RaftController.Voter> voters(String spec) {
        if (spec == null || spec.isBlank()) return List.of();
        try {
            List<RaftController.Voter> voters = RaftController.parseVoters(spec);
            Set<Integer> ids = new TreeSet<>();
            for (RaftController.Voter v : voters) {
                if (!ids.add(v.id())) throw new IllegalArgumentException("node id " + v.id() + " appears twice");
                if (v.port() < 1 || v.port() > 65535) throw new IllegalArgumentException("port " + v.port() + " of voter " + v.id());
            }
            return voters;
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new ConfigException("Invalid value '" + spec + "' for configuration controller.quorum.voters: expected"
                    + " id@host:port,... (" + e.getMessage() + ")");
        }
    }

    private static List<String> names(String spec) {
        List<String> out = new ArrayList<>();
        for (String n : csv(spec)) out.add(n.toUpperCase(Locale.ROOT));
        return out;
    }

    private static List<String> csv(String spec) {
        List<String> out = new ArrayList<>();
        if (spec == null) return out;
        for (String s : spec.split(",")) if (!s.isBlank()) out.add(s.trim());
        return out;
    }

    /** {@code broker}, {@code controller} or both. */
    public Set<String> roles() {
        return roles;
    }

    public boolean isBroker() {
        return roles.contains(BROKER);
    }

    public boolean isController() {
        return roles.contains(CONTROLLER);
    }

    /** The effective {@code listener.security.protocol.map} (listener name to protocol, names upper case). */
    public Map<String, String> securityProtocols() {
        return securityProtocols;
    }

    public List<String> controllerListenerNames() {
        return controllerListenerNames;
    }

    /** The Kafka listeners the socket server binds, in {@code listeners} order (empty on a controller-only node). */
    public List<Listener> brokerListeners() {
        return brokerListeners;
    }

    /** The endpoints told to clients: {@code advertised.listeners} (controller ones dropped), else the broker listeners. */
    public List<Listener> advertisedBrokerListeners() {
        return advertisedBrokerListeners;
    }

    /** {@code inter.broker.listener.name} (default: the listener named like {@code security.inter.broker.protocol}); null on a controller-only node. */
    public String interBrokerListenerName() {
        return interBrokerListenerName;
    }

    public List<RaftController.Voter> voters() {
        return voters;
    }

    /** Where this node's Raft server binds; null on a single node without {@code controller.quorum.voters}. */
    public RaftEndpoint raftEndpoint() {
        return raftEndpoint;
    }
}
