package io.fjord.broker.console;

import static io.fjord.broker.console.Html.escape;

import io.fjord.broker.console.ConsoleServer.BadRequest;
import io.fjord.broker.console.ConsoleServer.Request;
import io.fjord.broker.replica.Partition;
import io.fjord.broker.replica.ReplicaManager;
import io.fjord.broker.replica.TopicPartition;
import io.fjord.metadata.TopicImage;
import io.fjord.protocol.record.Header;
import io.fjord.protocol.record.Record;
import io.fjord.protocol.record.RecordBatch;
import io.fjord.protocol.record.RecordBatchReader;
import io.fjord.storage.LogReadResult;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The Messages page of one partition: from an offset or a timestamp, oldest or newest first, up to {@code limit}
 * records (50, at most 500), keys/values/headers shown as text, pretty JSON or hex, optionally only those whose key or
 * value contains a substring. Reads go through the log in chunks of at most {@value #CHUNK_BYTES} bytes and stop
 * after {@value #MAX_SCANNED} records, so a page never holds a partition in memory: newest first keeps only the last
 * {@code limit} matches of the scanned window. Only the committed part (below the high watermark) is shown.
 *
 * <p>Threading: stateless apart from the replica manager; called on the console thread.
 */
final class MessageBrowser {
    static final int CHUNK_BYTES = 1 << 20;
    static final int MAX_SCANNED = 100_000;
    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 500;

    private final ReplicaManager replicas;

    MessageBrowser(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    String render(TopicImage topic, int partition, Request r) {
        Partition p = replicas.partition(new TopicPartition(topic.name(), partition));
        if (p == null) throw new ConsoleServer.NotFound("Partition " + topic.name() + "-" + partition + " has no replica on this broker.");
        boolean newestFirst = !"oldest".equals(r.param("order"));
        String format = r.param("format") == null ? "text" : r.param("format");
        if (!List.of("text", "json", "hex").contains(format)) throw new BadRequest("format must be text, json or hex.");
        String filter = r.param("filter") == null || r.param("filter").isEmpty() ? null : r.param("filter");
        int limit = r.param("limit") == null ? DEFAULT_LIMIT : (int) Math.min(MAX_LIMIT, Math.max(1, parseLong(r.param("limit"), "limit")));
        long start = p.logStartOffset();
        long hw = p.highWatermark();
        Long offset = blank(r.param("offset")) ? null : parseLong(r.param("offset"), "offset");
        Long timestamp = blank(r.param("timestamp")) ? null : parseLong(r.param("timestamp"), "timestamp");
        if (offset != null && offset < 0) throw new BadRequest("offset must be at least 0, not " + offset + ".");

        long from;
        long until;
        if (timestamp != null) {
            from = p.log().offsetForTimestamp(timestamp).map(x -> x.offset()).orElse(hw);
            until = hw;
        } else if (newestFirst) {
            until = offset == null ? hw : Math.min(hw, offset + 1);
            from = Math.max(start, until - (filter == null ? limit : MAX_SCANNED));
        } else {
            from = offset == null ? start : offset;
            until = hw;
        }
        from = Math.max(from, start);
        List<Record> shown = scan(p, from, until, limit, newestFirst && timestamp == null, filter);
        if (newestFirst) java.util.Collections.reverse(shown);

        StringBuilder b = new StringBuilder();
        b.append("<form id=browse method=get><label>offset <input name=offset value=\"").append(offset == null ? "" : offset)
                .append("\"></label> <label>or timestamp (ms) <input name=timestamp value=\"").append(timestamp == null ? "" : timestamp)
                .append("\"></label> <select name=order><option value=newest").append(newestFirst ? " selected" : "")
                .append(">newest first<option value=oldest").append(newestFirst ? "" : " selected").append(">oldest first</select> ")
                .append("<select name=format>");
        for (String f : List.of("text", "json", "hex")) {
            b.append("<option").append(f.equals(format) ? " selected" : "").append('>').append(f);
        }
        b.append("</select> <label>key/value contains <input name=filter value=\"").append(escape(filter == null ? "" : filter))
                .append("\"></label> <button type=submit>Show</button></form>");
        b.append("<p>Log start ").append(start).append(", high watermark ").append(hw).append("; showing <span id=shown>")
                .append(shown.size()).append("</span> record(s).</p>");
        b.append("<table id=messages><tr><th>offset<th>timestamp<th>key<th>value<th>headers</tr>");
        for (Record rec : shown) {
            b.append("<tr><td>").append(rec.offset()).append("<td>").append(java.time.Instant.ofEpochMilli(rec.timestamp()))
                    .append("<td class=key>").append(show(rec.keyBytes(), format)).append("<td class=value>")
                    .append(show(rec.valueBytes(), format)).append("<td>");
            for (Header h : rec.headers()) b.append(escape(h.key())).append('=').append(show(h.value(), format)).append(' ');
            b.append("</tr>");
        }
        return b.append("</table>").toString();
    }

    /**
     * Records with offsets in [from, until) matching the filter, in offset order: the first {@code limit}, or when
     * {@code keepLast} the last {@code limit}. Reads chunk by chunk, never more than {@link #MAX_SCANNED} records.
     */
    private static List<Record> scan(Partition p, long from, long until, int limit, boolean keepLast, String filter) {
        ArrayDeque<Record> kept = new ArrayDeque<>();
        long next = from;
        int scanned = 0;
        while (next < until && scanned < MAX_SCANNED) {
            LogReadResult read = p.log().read(next, CHUNK_BYTES, until, true);
            if (read.records().sizeInBytes() == 0) break;
            ByteBuffer buf = read.records().readAll();
            int pos = buf.position();
            long before = next;
            while (buf.limit() - pos >= RecordBatch.HEADER_SIZE && pos + RecordBatch.sizeInBytes(buf, pos) <= buf.limit()) {
                RecordBatchReader batch = new RecordBatchReader(buf, pos);
                while (batch.hasNext()) {
                    Record rec = batch.next();
                    if (rec.offset() < next || rec.offset() >= until) continue;
                    scanned++;
                    next = rec.offset() + 1;
                    if (filter != null && !contains(rec.keyBytes(), filter) && !contains(rec.valueBytes(), filter)) continue;
                    kept.addLast(rec);
                    if (keepLast) {
                        if (kept.size() > limit) kept.removeFirst();
                    } else if (kept.size() >= limit) {
                        return new ArrayList<>(kept);
                    }
                }
                pos += RecordBatch.sizeInBytes(buf, pos);
            }
            if (next == before) break; // nothing decodable past here (a gap at the end); never spin
        }
        return new ArrayList<>(kept);
    }

    private static boolean contains(byte[] bytes, String needle) {
        return bytes != null && new String(bytes, StandardCharsets.UTF_8).contains(needle);
    }

    static String show(byte[] bytes, String format) {
        if (bytes == null) return "<i>null</i>";
        if (format.equals("hex")) {
            StringBuilder h = new StringBuilder();
            for (byte x : bytes) h.append(String.format("%02x", x));
            return h.toString();
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return show(bytes, "hex") + " <i>(binary)</i>";
        }
        if (format.equals("json")) return "<pre>" + escape(JsonPretty.print(text)) + "</pre>";
        return escape(text);
    }

    static long parseLong(String s, String what) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new BadRequest(what + " must be a whole number, not '" + s + "'.");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** Indents JSON text for display (no validation beyond balancing; text that is not JSON comes back as is). */
    static final class JsonPretty {
        private JsonPretty() {
        }

        static String print(String s) {
            String t = s.trim();
            if (!(t.startsWith("{") || t.startsWith("["))) return s;
            StringBuilder out = new StringBuilder();
            int depth = 0;
            boolean inString = false;
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (inString) {
                    out.append(c);
                    if (c == '\\' && i + 1 < t.length()) out.append(t.charAt(++i));
                    else if (c == '"') inString = false;
                    continue;
                }
                switch (c) {
                    case '"' -> { inString = true; out.append(c); }
                    case '{', '[' -> { depth++; out.append(c).append('\n').append("  ".repeat(depth)); }
                    case '}', ']' -> { depth = Math.max(0, depth - 1); out.append('\n').append("  ".repeat(depth)).append(c); }
                    case ',' -> out.append(",\n").append("  ".repeat(depth));
                    case ':' -> out.append(": ");
                    default -> { if (!Character.isWhitespace(c)) out.append(c); }
                }
            }
            return out.toString();
        }
    }
}
