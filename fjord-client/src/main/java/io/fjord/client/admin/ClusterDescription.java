package io.fjord.client.admin;

import io.fjord.client.common.Node;
import java.util.List;

/** The cluster id, the controller's node id and the brokers. */
public record ClusterDescription(String clusterId, int controllerId, List<Node> nodes) {
}
