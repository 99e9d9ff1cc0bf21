package io.fjord.client.admin;

/** A group as ListGroups names it: id, protocol type ("consumer" for consumer groups) and state. */
public record GroupListing(String groupId, String protocolType, String state) {
}
