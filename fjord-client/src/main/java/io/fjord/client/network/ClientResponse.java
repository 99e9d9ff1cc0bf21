package io.fjord.client.network;

import io.fjord.protocol.types.Struct;

/** A decoded response: the version the request was sent with, the node that answered, and the body (null for acks=0). */
public record ClientResponse(int nodeId, short version, Struct body) {
}
