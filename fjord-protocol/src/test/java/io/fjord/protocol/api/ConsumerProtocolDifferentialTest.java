package io.fjord.protocol.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.ConsumerProtocolAssignment;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The consumer protocol's embedded subscription and assignment, every version, against kafka-clients' generated
 * ConsumerProtocolSubscription/ConsumerProtocolAssignment: bodies both ways as in {@link ApiDifferentialTest}, and
 * whole version-prefixed blobs against Kafka's own ConsumerProtocol.
 */
class ConsumerProtocolDifferentialTest {
    private static final int SEEDS = 50;

    enum Kind { SUBSCRIPTION, ASSIGNMENT }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (short v = io.fjord.protocol.api.ConsumerProtocol.LOWEST_VERSION; v <= io.fjord.protocol.api.ConsumerProtocol.HIGHEST_VERSION; v++) {
                out.add(Arguments.of(kind, v));
            }
        }
        return out.stream();
    }

    private static Schema schema(Kind kind) {
        return kind == Kind.SUBSCRIPTION ? io.fjord.protocol.api.ConsumerProtocol.SUBSCRIPTION : io.fjord.protocol.api.ConsumerProtocol.ASSIGNMENT;
    }

    private static Message newTheirs(Kind kind) {
        return kind == Kind.SUBSCRIPTION ? new ConsumerProtocolSubscription() : new ConsumerProtocolAssignment();
    }

    private static Message theirsFromBlob(Kind kind, byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob);
        return kind == Kind.SUBSCRIPTION ? ConsumerProtocol.deserializeConsumerProtocolSubscription(b)
                : ConsumerProtocol.deserializeConsumerProtocolAssignment(b);
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("cases")
    void randomBodiesAgreeBothWays(Kind kind, short version) {
        Schema schema = schema(kind);
        for (int seed = 0; seed < SEEDS; seed++) {
            String what = kind + " v" + version + " seed " + seed;
            Struct original = RandomStructs.random(schema, version, false, new Random(kind.ordinal() * 1000L + version * 100L + seed));
            // Ours to theirs.
            byte[] ourBytes = Codec.ours(schema, original, version, false);
            Message theirs = Codec.theirs(newTheirs(kind), ourBytes, version);
            assertThat(Codec.differences(original, theirs)).as(what + ": Kafka decodes our values").isEmpty();
            byte[] theirBytes = Codec.theirs(theirs, version);
            assertThat(theirBytes).as(what + ": Kafka re-encodes our bytes identically").isEqualTo(ourBytes);
            // Theirs to ours.
            Struct decoded = Codec.ours(schema, theirBytes, version, false);
            assertThat(decoded).as(what + ": we decode Kafka's bytes").isEqualTo(original);
            assertThat(Codec.differences(decoded, theirs)).as(what + ": field by field").isEmpty();
        }
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("cases")
    void versionPrefixedBlobsAgree(Kind kind, short version) {
        Schema schema = schema(kind);
        for (int seed = 0; seed < SEEDS; seed++) {
            String what = kind + " v" + version + " seed " + seed;
            Struct original = RandomStructs.random(schema, version, false, new Random(7_000_000L + kind.ordinal() * 1000L + version * 100L + seed));
            byte[] blob = io.fjord.protocol.api.ConsumerProtocol.serialize(original, version);
            Message theirs = theirsFromBlob(kind, blob);
            assertThat(Codec.differences(original, theirs)).as(what + ": Kafka's ConsumerProtocol reads our blob").isEmpty();
            assertThat(MessageUtil.toVersionPrefixedBytes(version, theirs)).as(what + ": same blob from Kafka").isEqualTo(blob);
            io.fjord.protocol.api.ConsumerProtocol.Versioned back =
                    io.fjord.protocol.api.ConsumerProtocol.deserialize(schema, ByteBuffer.wrap(blob));
            assertThat(back.version()).isEqualTo(version);
            assertThat(back.value()).as(what + ": our round trip").isEqualTo(original);
        }
    }

    /** A newer peer's blob (higher version, extra trailing fields) is read as our highest version, as Kafka does. */
    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("cases")
    void newerVersionsReadAsHighest(Kind kind, short version) {
        if (version != io.fjord.protocol.api.ConsumerProtocol.HIGHEST_VERSION) return;
        Schema schema = schema(kind);
        Struct original = RandomStructs.random(schema, version, false, new Random(99));
        byte[] blob = io.fjord.protocol.api.ConsumerProtocol.serialize(original, version);
        byte[] newer = Arrays.copyOf(blob, blob.length + 5);
        ByteBuffer.wrap(newer).putShort((short) (version + 1));
        io.fjord.protocol.api.ConsumerProtocol.Versioned ours =
                io.fjord.protocol.api.ConsumerProtocol.deserialize(schema, ByteBuffer.wrap(newer));
        assertThat(ours.version()).isEqualTo(version);
        assertThat(ours.value()).isEqualTo(original);
        assertThat(Codec.differences(ours.value(), theirsFromBlob(kind, newer))).isEmpty();
    }

    /** An empty message: same bytes, and every field's default matches Kafka's. */
    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("cases")
    void defaultsAgree(Kind kind, short version) {
        Schema schema = schema(kind);
        Struct empty = new Struct(schema);
        Message theirs = newTheirs(kind);
        assertThat(Codec.differences(empty, theirs)).as(kind + " defaults").isEmpty();
        byte[] theirBytes = Codec.theirs(theirs, version);
        assertThat(Codec.ours(schema, empty, version, false)).as(kind + " v" + version + " empty").isEqualTo(theirBytes);
        assertThat(Codec.ours(schema, theirBytes, version, false)).isEqualTo(empty);
    }
}
