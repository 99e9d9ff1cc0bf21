package io.fjord.protocol.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every API Fjord describes, every served version, request and response, checked against the message classes
 * generated inside kafka-clients. Random structs from our schemas are encoded by us and decoded by Kafka
 * (ours to theirs), and Kafka's re-encoding is decoded by us (theirs to ours); bytes and values must agree exactly,
 * including the defaults of fields absent from the version.
 */
class ApiDifferentialTest {
    private static final int SEEDS = 25;

    enum Kind { REQUEST, RESPONSE }

    enum Direction { OURS_TO_THEIRS, THEIRS_TO_OURS }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (ApiSpec spec : Apis.all()) {
            for (short v = spec.lowest(); v <= spec.highest(); v++) {
                for (Kind kind : Kind.values()) {
                    for (Direction d : Direction.values()) out.add(Arguments.of(spec.name(), v, kind, d, spec));
                }
            }
        }
        return out.stream();
    }

    private static Schema schema(ApiSpec spec, Kind kind) {
        return kind == Kind.REQUEST ? spec.request() : spec.response();
    }

    private static ApiMessage newTheirs(ApiSpec spec, Kind kind) {
        ApiMessageType type = ApiMessageType.fromApiKey(spec.key());
        return kind == Kind.REQUEST ? type.newRequest() : type.newResponse();
    }

    @ParameterizedTest(name = "{0} v{1} {2} {3}")
    @MethodSource("cases")
    void randomMessagesAgree(String api, short version, Kind kind, Direction direction, ApiSpec spec) {
        Schema schema = schema(spec, kind);
        boolean flex = spec.isFlexible(version);
        for (int seed = 0; seed < SEEDS; seed++) {
            String what = api + " v" + version + " " + kind + " " + direction + " seed " + seed;
            Random rnd = new Random(((long) spec.key() << 32) ^ ((long) version << 16) ^ (kind.ordinal() << 8) ^ seed);
            Struct original = RandomStructs.random(schema, version, flex, rnd);
            byte[] ourBytes = Codec.ours(schema, original, version, flex);
            ApiMessage theirs = Codec.theirs(newTheirs(spec, kind), ourBytes, version);
            byte[] theirBytes = Codec.theirs(theirs, version);
            if (direction == Direction.OURS_TO_THEIRS) {
                assertThat(theirBytes).as(what + ": Kafka re-encodes our bytes identically").isEqualTo(ourBytes);
                assertThat(Codec.differences(original, theirs)).as(what + ": Kafka decodes our values").isEmpty();
                assertThat(Codec.ours(schema, ourBytes, version, flex)).as(what + ": our own round trip").isEqualTo(original);
            } else {
                Struct decoded = Codec.ours(schema, theirBytes, version, flex);
                assertThat(decoded).as(what + ": we decode Kafka's bytes").isEqualTo(original);
                assertThat(Codec.differences(decoded, theirs)).as(what + ": field by field").isEmpty();
                assertThat(Codec.ours(schema, decoded, version, flex)).as(what + ": we re-encode Kafka's bytes identically")
                        .isEqualTo(theirBytes);
            }
        }
    }

    /** An empty message: same bytes, and every field's default (in all versions) matches Kafka's. */
    @ParameterizedTest(name = "{0} v{1} {2} defaults")
    @MethodSource("cases")
    void defaultsAgree(String api, short version, Kind kind, Direction direction, ApiSpec spec) {
        if (direction == Direction.THEIRS_TO_OURS) return;
        Schema schema = schema(spec, kind);
        boolean flex = spec.isFlexible(version);
        Struct empty = new Struct(schema);
        ApiMessage theirs = newTheirs(spec, kind);
        assertThat(Codec.differences(empty, theirs)).as(api + " " + kind + " defaults").isEmpty();
        byte[] theirBytes = Codec.theirs(theirs, version);
        assertThat(Codec.ours(schema, empty, version, flex)).as(api + " v" + version + " " + kind + " empty message").isEqualTo(theirBytes);
        assertThat(Codec.ours(schema, theirBytes, version, flex)).isEqualTo(empty);
    }
}
