package io.fjord.protocol.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.types.ProtocolException;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;

/**
 * Fuzzes the request decoder exactly as the broker's connection handler drives it: {@link RequestHeader#read}, then
 * the API's request {@code Schema.read} for the version the header names, for every API in {@link Apis}. The input
 * is one frame without its size prefix (the frame decoder has cut it), decoded from a heap buffer and from a direct
 * one (the broker parses pooled direct memory in place).
 *
 * <p>Properties: the only exception is {@link ProtocolException}; a decode allocates at most a fixed amount plus
 * a small multiple of the input size (a length or count field cannot conjure memory); each input ends (Jazzer's
 * per-input timeout in fuzzing mode, the JUnit timeout below otherwise).
 *
 * <p>In the default suite Jazzer runs in regression mode over the committed seeds (one valid request per API at
 * its lowest, first flexible and highest version) and {@link #mutatedSeeds} adds a few thousand mutants; the long
 * run is {@code -Pfuzz-long} (README, "Fuzzing").
 */
class RequestDecoderFuzzTest {
    /** Decoding a struct costs object headers and references per byte; 64x the input is far above any seen. */
    private static final long PER_BYTE = 64;
    private static final long FIXED = 256 * 1024;

    static {
        SeedMutator.warmUp(RequestDecoderFuzzTest.class, "decodeRequestFrame", b -> decode(ByteBuffer.wrap(b)));
    }

    @FuzzTest(maxDuration = "30s")
    void decodeRequestFrame(byte[] frame) {
        decodeChecked(ByteBuffer.wrap(frame), frame.length);
        ByteBuffer direct = ByteBuffer.allocateDirect(frame.length);
        direct.put(frame).flip();
        decodeChecked(direct, frame.length);
    }

    @Test
    @Timeout(120)
    void mutatedSeeds() throws Exception {
        int runs = SeedMutator.forEachMutant(RequestDecoderFuzzTest.class, "decodeRequestFrame", 4000, 0x5eed_f10dL,
                this::decodeRequestFrame);
        org.assertj.core.api.Assertions.assertThat(runs).isGreaterThanOrEqualTo(4000);
    }

    /** Decodes one frame; returns the body, or null when the API or version is one the broker would refuse. */
    static Struct decode(ByteBuffer buf) {
        ProtocolReader in = new ProtocolReader(buf);
        RequestHeader header = RequestHeader.read(in);
        ApiSpec spec = Apis.byKey(header.apiKey());
        if (spec == null || !spec.supports(header.apiVersion())) return null;
        return spec.request().read(in, header.apiVersion(), spec.isFlexible(header.apiVersion()));
    }

    private static void decodeChecked(ByteBuffer buf, int length) {
        long before = AllocationBudget.allocatedNow();
        try {
            decode(buf);
        } catch (ProtocolException expected) {
            // the documented outcome for a malformed frame: the broker closes the connection
        }
        AllocationBudget.check(before, length, FIXED, PER_BYTE, "request decoder");
    }
}
