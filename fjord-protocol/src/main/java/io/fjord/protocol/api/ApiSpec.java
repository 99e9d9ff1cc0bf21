package io.fjord.protocol.api;

import io.fjord.protocol.types.Schema;
import io.fjord.protocol.types.Struct;

/**
 * The declarative description of one API: its key, the version range Fjord advertises and serves (Kafka 4.x
 * broker's), the first flexible version, and the request and response schemas covering every version.
 * {@code advertisedLowest} may sit below {@code lowest} where Kafka advertises versions it no longer serves
 * (Produce 0-2), so that old-feature probes in clients such as librdkafka stay on.
 */
public record ApiSpec(short key, String name, short advertisedLowest, short lowest, short highest, short flexibleFrom,
                      Schema request, Schema response) {

    public static ApiSpec of(int key, String name, int lowest, int highest, int flexibleFrom, Schema request, Schema response) {
        return new ApiSpec((short) key, name, (short) lowest, (short) lowest, (short) highest, (short) flexibleFrom, request, response);
    }

    public ApiSpec advertisingFrom(int advertisedLowest) {
        return new ApiSpec(key, name, (short) advertisedLowest, lowest, highest, flexibleFrom, request, response);
    }

    public boolean isFlexible(short version) {
        return flexibleFrom >= 0 && version >= flexibleFrom;
    }

    public boolean supports(short version) {
        return version >= lowest && version <= highest;
    }

    /** Request header v2 (with tagged fields) from the flexible versions on, else v1. */
    public short requestHeaderVersion(short version) {
        return isFlexible(version) ? (short) 2 : (short) 1;
    }

    /** Response header v1 from the flexible versions on, except ApiVersions, whose response header is always v0. */
    public short responseHeaderVersion(short version) {
        if (key == ApiVersionsApi.KEY) return 0;
        return isFlexible(version) ? (short) 1 : (short) 0;
    }

    public Struct newRequest() {
        return new Struct(request);
    }

    public Struct newResponse() {
        return new Struct(response);
    }
}
