package io.fjord.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * The metadata quorum as its leader sees it (DescribeQuorum, {@code kafka-metadata-quorum.sh describe}): the
 * leader, its epoch (the Raft term), the high watermark (the committed index) and, per voter and observer, its log
 * end offset and when it last fetched. Offsets are positions in the metadata log (Raft indexes in Fjord).
 * {@code lastCaughtUpTimestamp} is the last fetch time for a replica holding everything committed, -1 otherwise:
 * the leader does not keep a history of when a lagging replica was last caught up.
 *
 * @param voters the voters with their CONTROLLER endpoints (host, port); the leader first
 */
public record QuorumInfo(int leaderId, long leaderEpoch, long highWatermark, List<Replica> voters, List<Replica> observers) {

    public record Replica(int id, long logEndOffset, long lastFetchTimestamp, long lastCaughtUpTimestamp) {
    }

    /** This record as lines: {@code leader <id> <epoch> <hw>}, then {@code voter|observer <id> <leo> <fetch> <caught-up>}. */
    public String encode() {
        StringBuilder b = new StringBuilder("leader ").append(leaderId).append(' ').append(leaderEpoch).append(' ')
                .append(highWatermark);
        for (Replica r : voters) line(b, "voter", r);
        for (Replica r : observers) line(b, "observer", r);
        return b.toString();
    }

    private static void line(StringBuilder b, String kind, Replica r) {
        b.append('\n').append(kind).append(' ').append(r.id()).append(' ').append(r.logEndOffset()).append(' ')
                .append(r.lastFetchTimestamp()).append(' ').append(r.lastCaughtUpTimestamp());
    }

    /** Parses what {@link #encode} wrote. */
    public static QuorumInfo decode(String text) {
        String[] lines = text.split("\n");
        String[] head = lines[0].split(" ");
        if (head.length != 4 || !head[0].equals("leader")) throw new IllegalArgumentException("not a quorum description: " + lines[0]);
        List<Replica> voters = new ArrayList<>();
        List<Replica> observers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(" ");
            Replica r = new Replica(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]));
            (f[0].equals("voter") ? voters : observers).add(r);
        }
        return new QuorumInfo(Integer.parseInt(head[1]), Long.parseLong(head[2]), Long.parseLong(head[3]), voters, observers);
    }
}
