package io.fjord.protocol.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fjord.protocol.types.ByteBufferWriter;
import io.fjord.protocol.types.ProtocolReader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Request header v1/v2 and response header v0/v1 against kafka-clients, and which header each API version uses. */
class HeadersTest {
    private static final String[] CLIENT_IDS = {null, "", "rdkafka", "client-é-\uD83D\uDE00"};

    static Stream<Arguments> apiVersions() {
        List<Arguments> out = new ArrayList<>();
        for (ApiSpec spec : Apis.all()) {
            for (short v = spec.lowest(); v <= spec.highest(); v++) out.add(Arguments.of(spec.name(), v, spec));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("apiVersions")
    void headerVersionsMatchKafka(String api, short version, ApiSpec spec) {
        ApiKeys key = ApiKeys.forId(spec.key());
        assertThat(spec.requestHeaderVersion(version)).as("request header").isEqualTo(key.requestHeaderVersion(version));
        assertThat(spec.responseHeaderVersion(version)).as("response header").isEqualTo(key.responseHeaderVersion(version));
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("apiVersions")
    void requestHeaderBothWays(String api, short version, ApiSpec spec) {
        short headerVersion = spec.requestHeaderVersion(version);
        boolean flex = headerVersion >= 2;
        int correlationId = 0x5eed0000 + version;
        for (String clientId : CLIENT_IDS) {
            String what = api + " v" + version + " header v" + headerVersion + " clientId " + clientId;
            // ours -> theirs
            ByteBufferWriter w = new ByteBufferWriter(64);
            new RequestHeader(spec.key(), version, correlationId, clientId).write(w, flex);
            byte[] ours = Codec.toArray(w.toByteBuffer());
            ByteBuffer buf = ByteBuffer.wrap(ours);
            RequestHeaderData theirs = new RequestHeaderData(new org.apache.kafka.common.protocol.ByteBufferAccessor(buf), headerVersion);
            assertThat(buf.remaining()).as(what).isZero();
            assertThat(theirs.requestApiKey()).as(what).isEqualTo(spec.key());
            assertThat(theirs.requestApiVersion()).as(what).isEqualTo(version);
            assertThat(theirs.correlationId()).as(what).isEqualTo(correlationId);
            assertThat(theirs.clientId()).as(what).isEqualTo(clientId);
            assertThat(Codec.theirs(theirs, headerVersion)).as(what).isEqualTo(ours);

            // theirs -> ours, with an unknown tagged field in v2 that we must skip
            RequestHeaderData data = new RequestHeaderData().setRequestApiKey(spec.key()).setRequestApiVersion(version)
                    .setCorrelationId(correlationId).setClientId(clientId);
            if (flex) data.unknownTaggedFields().add(new RawTaggedField(7, new byte[] {1, 2, 3}));
            ByteBuffer in = ByteBuffer.wrap(Codec.theirs(data, headerVersion));
            RequestHeader read = RequestHeader.read(new ProtocolReader(in));
            assertThat(in.remaining()).as(what + ": whole header read").isZero();
            assertThat(read).as(what).isEqualTo(new RequestHeader(spec.key(), version, correlationId, clientId));
        }
    }

    @ParameterizedTest(name = "response header v{0}")
    @MethodSource("responseHeaderVersions")
    void responseHeaderBothWays(short headerVersion) {
        for (int correlationId : new int[] {0, 1, -1, Integer.MAX_VALUE, 123456}) {
            ByteBufferWriter w = new ByteBufferWriter(16);
            new ResponseHeader(correlationId).write(w, headerVersion);
            byte[] ours = Codec.toArray(w.toByteBuffer());
            ResponseHeaderData theirs = Codec.theirs(new ResponseHeaderData(), ours, headerVersion);
            assertThat(theirs.correlationId()).isEqualTo(correlationId);
            assertThat(Codec.theirs(theirs, headerVersion)).isEqualTo(ours);

            ResponseHeaderData data = new ResponseHeaderData().setCorrelationId(correlationId);
            if (headerVersion >= 1) data.unknownTaggedFields().add(new RawTaggedField(3, new byte[] {9, 9}));
            ByteBuffer in = ByteBuffer.wrap(Codec.theirs(data, headerVersion));
            assertThat(ResponseHeader.read(new ProtocolReader(in), headerVersion).correlationId()).isEqualTo(correlationId);
            assertThat(in.remaining()).isZero();
        }
    }

    static Stream<Short> responseHeaderVersions() {
        return Stream.of((short) 0, (short) 1);
    }

    @Test
    void apiVersionsResponseAlwaysUsesHeaderV0() {
        for (short v = 0; v <= 10; v++) {
            assertThat(ApiVersionsApi.SPEC.responseHeaderVersion(v)).as("v" + v).isZero();
        }
        for (short v = ApiVersionsApi.SPEC.lowest(); v <= ApiVersionsApi.SPEC.highest(); v++) {
            assertThat(ApiKeys.API_VERSIONS.responseHeaderVersion(v)).isZero();
            // The frame is correlation id then body, with no tagged-field byte in between, even when flexible.
            io.fjord.protocol.types.Struct body = ApiVersionsApi.SPEC.newResponse();
            body.add("ApiKeys", body.child("ApiKeys").set("ApiKey", 18).set("MinVersion", 0).set("MaxVersion", 5));
            ByteBuffer frame = Frames.encodeResponse(ApiVersionsApi.SPEC, v, 77, body);
            assertThat(frame.getInt()).isEqualTo(77);
            ApiVersionsResponseData theirs = Codec.theirs(new ApiVersionsResponseData(), Codec.toArray(frame), v);
            assertThat(theirs.apiKeys()).hasSize(1);
            assertThat(theirs.apiKeys().find((short) 18).maxVersion()).isEqualTo((short) 5);
        }
    }

    @Test
    void unknownApiHeaderReadsFixedPartOnly() {
        ByteBufferWriter w = new ByteBufferWriter(32);
        new RequestHeader((short) 9999, (short) 3, 5, "x").write(w, false);
        ByteBuffer buf = w.toByteBuffer();
        assertThat(RequestHeader.read(new ProtocolReader(buf))).isEqualTo(new RequestHeader((short) 9999, (short) 3, 5, "x"));
        assertThat(Arrays.asList(buf.remaining())).containsExactly(0);
    }
}
