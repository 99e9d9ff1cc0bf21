package io.fjord.broker.console;

/** Small helpers for the console's server-side HTML: escaping and the page frame. Stateless. */
public final class Html {
    private Html() {
    }

    /** Escapes text for use in HTML element content and double-quoted attributes. */
    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A whole page: title, navigation, content (already HTML). */
    public static String page(String title, String content) {
        return "<!doctype html><html><head><meta charset=utf-8><title>" + escape(title) + " · Fjord</title>"
                + "<link rel=stylesheet href=\"/static/console.css\"></head><body>"
                + "<nav><a href=\"/\">Cluster</a> <a href=\"/topics\">Topics</a> <a href=\"/groups\">Consumer groups</a>"
                + " <a href=\"/metrics\">/metrics</a></nav><main><h1>" + escape(title) + "</h1>" + content
                + "</main></body></html>";
    }
}
