package io.fjord.client.common;

import io.fjord.client.errors.FjordClientException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Client settings by Kafka's key names. Values may be strings (as from a properties file) or typed objects;
 * getters convert and fall back to the given default. Unknown keys are kept and ignored.
 */
public final class ClientConfig {
    private final Map<String, Object> values;

    public ClientConfig(Map<String, ?> values) {
        this.values = Collections.unmodifiableMap(new HashMap<>(values));
    }

    public static ClientConfig of(Properties p) {
        Map<String, Object> m = new HashMap<>();
        p.forEach((k, v) -> m.put(String.valueOf(k), v));
        return new ClientConfig(m);
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public boolean has(String key) {
        return values.get(key) != null;
    }

    public Object raw(String key) {
        return values.get(key);
    }

    public String getString(String key, String def) {
        Object v = values.get(key);
        return v == null ? def : String.valueOf(v).trim();
    }

    public int getInt(String key, int def) {
        Object v = values.get(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.intValue();
        try {
            return Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new FjordClientException("Invalid value '" + v + "' for " + key + ": expected an integer");
        }
    }

    public long getLong(String key, long def) {
        Object v = values.get(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.longValue();
        try {
            return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new FjordClientException("Invalid value '" + v + "' for " + key + ": expected a long");
        }
    }

    public boolean getBoolean(String key, boolean def) {
        Object v = values.get(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        String s = String.valueOf(v).trim().toLowerCase();
        if (s.equals("true")) return true;
        if (s.equals("false")) return false;
        throw new FjordClientException("Invalid value '" + v + "' for " + key + ": expected true or false");
    }

    public List<String> getList(String key) {
        Object v = values.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) return out;
        if (v instanceof List<?> l) {
            for (Object o : l) out.add(String.valueOf(o).trim());
            return out;
        }
        for (String s : String.valueOf(v).split(",")) if (!s.isBlank()) out.add(s.trim());
        return out;
    }

    /** Parses {@code bootstrap.servers} into host/port pairs with negative node ids (-1, -2, ...). */
    public List<Node> bootstrapNodes() {
        List<String> servers = getList("bootstrap.servers");
        if (servers.isEmpty()) throw new FjordClientException("bootstrap.servers must name at least one host:port");
        List<Node> nodes = new ArrayList<>();
        int id = -1;
        for (String s : servers) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new FjordClientException("Invalid bootstrap server '" + s + "': expected host:port");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new FjordClientException("Invalid port in bootstrap server '" + s + "'");
            }
            if (port <= 0 || port > 65535) throw new FjordClientException("Invalid port in bootstrap server '" + s + "'");
            nodes.add(new Node(id--, host, port));
        }
        return nodes;
    }
}
