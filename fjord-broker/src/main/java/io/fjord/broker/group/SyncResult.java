package io.fjord.broker.group;

import io.fjord.protocol.api.Errors;

/** The answer to a SyncGroup: the member's assignment bytes for the current generation. */
public record SyncResult(Errors error, String protocolType, String protocolName, byte[] assignment) {
    static SyncResult error(Errors e) {
        return new SyncResult(e, null, null, new byte[0]);
    }
}
