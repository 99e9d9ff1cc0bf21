package io.fjord.broker.security;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one login module entry of a Kafka {@code sasl.jaas.config} value, e.g.
 * {@code org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="s" user_alice="a";}
 * — the module class, its control flag and its options (values quoted or bare). Immutable.
 */
public record JaasConfig(String loginModule, String flag, Map<String, String> options) {
    public static JaasConfig parse(String text) {
        String s = text.trim();
        if (s.endsWith(";")) s = s.substring(0, s.length() - 1).trim();
        int i = 0;
        String[] head = new String[2];
        for (int h = 0; h < 2; h++) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
            int start = i;
            while (i < s.length() && !Character.isWhitespace(s.charAt(i))) i++;
            head[h] = s.substring(start, i);
        }
        if (head[0].isEmpty() || !java.util.Set.of("required", "requisite", "sufficient", "optional").contains(head[1])) {
            throw new IllegalArgumentException("expected '<LoginModule> required key=\"value\" ...;' in sasl.jaas.config");
        }
        Map<String, String> options = new LinkedHashMap<>();
        while (true) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
            if (i >= s.length()) break;
            int eq = s.indexOf('=', i);
            if (eq < 0) throw new IllegalArgumentException("expected key=value in sasl.jaas.config near: " + s.substring(i));
            String key = s.substring(i, eq).trim();
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < s.length() && s.charAt(i) == '"') {
                i++;
                while (i < s.length() && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < s.length()) i++;
                    value.append(s.charAt(i++));
                }
                if (i >= s.length()) throw new IllegalArgumentException("unterminated quote in sasl.jaas.config for " + key);
                i++;
            } else {
                while (i < s.length() && !Character.isWhitespace(s.charAt(i))) value.append(s.charAt(i++));
            }
            options.put(key, value.toString());
        }
        return new JaasConfig(head[0], head[1], Map.copyOf(options));
    }
}
