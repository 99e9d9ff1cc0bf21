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

    // Limits of one -Pfuzz-long run (fuzzing mode); the default suite replays the seeds only.
    @FuzzTest(maxDuration = "60m", maxExecutions = 12_000_000)
    void decodeRequestFrame(byte[] frame) {
        AllocationBudget.run(() -> decodeOrRefuse(ByteBuffer.wrap(frame)), frame.length, FIXED, PER_BYTE, "request decoder");
        AllocationBudget.run(() -> decodeOrRefuse(direct(frame)), frame.length, FIXED, PER_BYTE, "request decoder (direct)");
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

    private static void decodeOrRefuse(ByteBuffer buf) {
        try {
            decode(buf);
        } catch (ProtocolException expected) {
            // the documented outcome for a malformed frame: the broker closes the connection
        }
    }

    /** One reused direct buffer (allocating one per input would dominate the run and the allocation count). */
    private static ByteBuffer directBuffer = ByteBuffer.allocateDirect(64 * 1024);

    private static ByteBuffer direct(byte[] frame) {
        if (directBuffer.capacity() < frame.length) directBuffer = ByteBuffer.allocateDirect(frame.length);
        ByteBuffer b = directBuffer.clear();
        b.put(frame).flip();
        return b.slice();
    }
}
