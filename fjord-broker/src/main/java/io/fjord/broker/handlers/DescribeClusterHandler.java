package io.fjord.broker.handlers;

import io.fjord.broker.TopicAdmin;
import io.fjord.broker.network.ApiHandler;
import io.fjord.broker.network.RequestContext;
import io.fjord.metadata.BrokerNode;
import io.fjord.metadata.ClusterImage;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.types.Struct;
import java.util.concurrent.CompletableFuture;

/** DescribeCluster (v0-2): cluster id, active controller and brokers. Only the broker endpoint type is served. */
public final class DescribeClusterHandler implements ApiHandler {
    private static final byte BROKER_ENDPOINTS = 1;
    private final TopicAdmin admin;

    public DescribeClusterHandler(TopicAdmin admin) {
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Struct> handle(RequestContext ctx, Struct request) {
        Struct response = ctx.spec().newResponse();
        if (ctx.version() >= 1 && request.getByte("EndpointType") != BROKER_ENDPOINTS) {
            response.set("ErrorCode", Errors.UNSUPPORTED_VERSION.code())
                    .set("ErrorMessage", "Only broker endpoints are served by this listener")
                    .set("EndpointType", request.getByte("EndpointType"));
            return CompletableFuture.completedFuture(response);
        }
        ClusterImage image = admin.image();
        response.set("ClusterId", image.clusterId()).set("ControllerId", admin.controllerIdForClients());
        if (ctx.version() >= 1) response.set("EndpointType", BROKER_ENDPOINTS);
        for (BrokerNode b : image.liveBrokers().values()) {
            BrokerNode.Endpoint e = b.endpoint(ctx.listenerName()); // the listener this request came in on
            if (e == null) continue;
            response.add("Brokers", response.child("Brokers").set("BrokerId", b.id()).set("Host", e.host())
                    .set("Port", e.port()).set("Rack", b.rack()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
