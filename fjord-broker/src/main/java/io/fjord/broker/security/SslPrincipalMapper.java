package io.fjord.broker.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a client certificate's subject (its RFC 2253 distinguished name, e.g. {@code CN=alice,OU=eng,O=acme}) into
 * a principal name with Kafka's {@code ssl.principal.mapping.rules}: a comma-separated list of
 * {@code RULE:pattern/replacement/} (optionally followed by {@code L} or {@code U} to lower- or upper-case the
 * result) and {@code DEFAULT} (the name unchanged). The first rule whose pattern matches the whole name wins; a name
 * no rule matches is refused, as Kafka refuses it. Immutable and thread-safe.
 */
public final class SslPrincipalMapper {
    private sealed interface Rule permits DefaultRule, RegexRule {
        /** The mapped name, or null if the rule does not apply. */
        String apply(String distinguishedName);
    }

    private record DefaultRule() implements Rule {
        @Override
        public String apply(String dn) {
            return dn;
        }
    }

    private record RegexRule(Pattern pattern, String replacement, boolean lower, boolean upper) implements Rule {
        @Override
        public String apply(String dn) {
            Matcher m = pattern.matcher(dn);
            if (!m.matches()) return null;
            String out = m.replaceAll(replacement);
            if (lower) return out.toLowerCase(Locale.ENGLISH);
            if (upper) return out.toUpperCase(Locale.ENGLISH);
            return out;
        }
    }

    private final List<Rule> rules;

    private SslPrincipalMapper(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Parses {@code ssl.principal.mapping.rules}; a malformed rule is an {@link IllegalArgumentException}. */
    public static SslPrincipalMapper fromRules(String spec) {
        List<Rule> rules = new ArrayList<>();
        String rest = spec == null || spec.isBlank() ? "DEFAULT" : spec.trim();
        while (!rest.isEmpty()) {
            if (rest.startsWith("DEFAULT")) {
                rules.add(new DefaultRule());
                rest = rest.substring("DEFAULT".length());
            } else if (rest.startsWith("RULE:")) {
                // pattern and replacement end at an unescaped '/'; a '/' inside either is written '\/'
                int[] pos = {"RULE:".length()};
                String pattern = untilSlash(rest, pos, spec);
                String replacement = untilSlash(rest, pos, spec);
                int i = pos[0];
                boolean lower = i < rest.length() && rest.charAt(i) == 'L';
                boolean upper = i < rest.length() && rest.charAt(i) == 'U';
                if (lower || upper) i++;
                rules.add(new RegexRule(Pattern.compile(pattern), replacement, lower, upper));
                rest = rest.substring(i);
            } else {
                throw new IllegalArgumentException("Invalid rule: " + rest + " in ssl.principal.mapping.rules=" + spec);
            }
            rest = rest.trim();
            if (rest.startsWith(",")) rest = rest.substring(1).trim();
            else if (!rest.isEmpty()) throw new IllegalArgumentException("Invalid rule: " + rest + " in ssl.principal.mapping.rules=" + spec);
        }
        return new SslPrincipalMapper(rules);
    }

    private static String untilSlash(String s, int[] pos, String spec) {
        StringBuilder out = new StringBuilder();
        for (int i = pos[0]; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                out.append('/');
                i++;
            } else if (c == '/') {
                pos[0] = i + 1;
                return out.toString();
            } else {
                out.append(c);
            }
        }
        throw new IllegalArgumentException("Invalid rule (missing '/'): ssl.principal.mapping.rules=" + spec);
    }

    /** The principal name for a certificate subject; {@link IllegalArgumentException} if no rule applies. */
    public String name(String distinguishedName) {
        for (Rule r : rules) {
            String out = r.apply(distinguishedName);
            if (out != null) return out;
        }
        throw new IllegalArgumentException("No rule of ssl.principal.mapping.rules applies to " + distinguishedName);
    }
}
