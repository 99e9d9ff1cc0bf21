package io.fjord.broker.console;

import io.fjord.broker.ConfigAdmin;
import io.fjord.broker.TopicAdmin;
import io.fjord.broker.console.ConsoleServer.BadRequest;
import io.fjord.broker.console.ConsoleServer.Reply;
import io.fjord.broker.console.ConsoleServer.Request;
import io.fjord.protocol.api.Errors;
import java.util.List;
import java.util.Map;

/**
 * The console's topic mutations: create, delete and alter configs, through the same {@link TopicAdmin} and
 * {@link ConfigAdmin} the Kafka APIs use, so the console obeys the same validation. Every one is a POST and is
 * refused with 403 while {@code fjord.console.read.only} is true; a refusal by the admin (bad name, existing
 * topic, invalid config) is a 400 with its message.
 */
final class TopicMutations {
    private final TopicAdmin topics;
    private final ConfigAdmin configs;
    private final boolean readOnly;

    TopicMutations(TopicAdmin topics, boolean readOnly) {
        this.topics = topics;
        this.configs = new ConfigAdmin(topics);
        this.readOnly = readOnly;
    }

    static Reply refused() {
        return Reply.html(403, Html.page("Refused", "<p class=error>The console is read-only (fjord.console.read.only=true).</p>"));
    }

    /** Null when allowed, else the reply that refuses. */
    private Reply check(Request r, String what) {
        if (!r.method().equals("POST")) throw new BadRequest(what + " takes a POST.");
        return readOnly ? refused() : null;
    }

    /** POST /topics: name, partitions and replication (both optional: the broker's defaults). */
    Reply create(Request r) {
        Reply no = check(r, "Creating a topic");
        if (no != null) return no;
        String name = r.param("name");
        if (name == null || name.isBlank()) throw new BadRequest("A topic name is required.");
        int partitions = optionalInt(r.param("partitions"), "partitions");
        int rf = optionalInt(r.param("replication"), "replication");
        if (partitions == 0 || partitions < -1) throw new BadRequest("partitions must be at least 1.");
        if (rf == 0 || rf < -1 || rf > Short.MAX_VALUE) throw new BadRequest("replication must be at least 1.");
        TopicAdmin.Result res = topics.create(name.trim(), partitions, (short) rf, Map.of(), Map.of(), false);
        if (res.error() != Errors.NONE) throw new BadRequest("Not created: " + res.error() + (res.message() == null ? "" : ": " + res.message()));
        return Reply.html(200, Html.page("Created", "<p id=result>Created topic <a href=\"/topics/" + ConsolePages.url(name.trim()) + "\">"
                + Html.escape(name.trim()) + "</a>.</p>"));
    }

    /** POST /topics/&lt;t&gt;/delete. */
    Reply delete(String name, Request r) {
        Reply no = check(r, "Deleting a topic");
        if (no != null) return no;
        Errors e = topics.delete(name);
        if (e != Errors.NONE) throw new BadRequest("Not deleted: " + e + ".");
        return Reply.html(200, Html.page("Deleted", "<p id=result>Deleted topic " + Html.escape(name) + ". <a href=\"/topics\">Topics</a></p>"));
    }

    /** POST /topics/&lt;t&gt;/configs: key, value and op (set, the default, or delete). */
    Reply alterConfig(String name, Request r) {
        Reply no = check(r, "Altering configs");
        if (no != null) return no;
        String key = r.param("key");
        if (key == null || key.isBlank()) throw new BadRequest("A config key is required.");
        String op = r.param("op") == null ? "set" : r.param("op");
        byte code = switch (op) {
            case "set" -> ConfigAdmin.OP_SET;
            case "delete" -> ConfigAdmin.OP_DELETE;
            default -> throw new BadRequest("op must be set or delete.");
        };
        String value = code == ConfigAdmin.OP_SET ? r.param("value") : null;
        if (code == ConfigAdmin.OP_SET && value == null) throw new BadRequest("A value is required to set " + key + ".");
        ConfigAdmin.Result res = configs.incremental(ConfigAdmin.TOPIC, name, List.of(new ConfigAdmin.Op(key.trim(), code, value)), false);
        if (res.error() != Errors.NONE) throw new BadRequest("Not altered: " + res.error() + (res.message() == null ? "" : ": " + res.message()));
        return Reply.html(200, Html.page("Altered", "<p id=result>" + (code == ConfigAdmin.OP_SET ? "Set " : "Deleted ") + Html.escape(key.trim())
                + " on <a href=\"/topics/" + ConsolePages.url(name) + "\">" + Html.escape(name) + "</a>.</p>"));
    }

    private static int optionalInt(String s, String what) {
        if (s == null || s.isBlank()) return -1;
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest("'" + s + "' is not a number of " + what + ".");
        }
    }

    /** The forms on the topics list and a topic's page (shown only when mutations are allowed). */
    static String createForm() {
        return "<h2>Create a topic</h2><form id=create method=post action=\"/topics\"><input name=name placeholder=name> "
                + "<input name=partitions placeholder=\"partitions (default)\"> <input name=replication placeholder=\"replication (default)\"> "
                + "<button type=submit>Create</button></form>";
    }

    static String topicForms(String topic) {
        String base = "/topics/" + Html.escape(ConsolePages.url(topic));
        return "<h2>Alter configs</h2><form id=alter method=post action=\"" + base + "/configs\"><input name=key placeholder=key> "
                + "<input name=value placeholder=value> <select name=op><option>set<option>delete</select> <button type=submit>Apply</button></form>"
                + "<h2>Delete</h2><form id=delete method=post action=\"" + base + "/delete\"><button type=submit>Delete topic</button></form>";
    }
}
