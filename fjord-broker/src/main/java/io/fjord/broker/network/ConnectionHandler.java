package io.fjord.broker.network;

import io.fjord.broker.security.KafkaPrincipal;
import io.fjord.broker.security.ListenerSecurity;
import io.fjord.broker.security.ScramCredentialStore;
import io.fjord.broker.security.SecurityProtocol;
import io.fjord.protocol.api.ApiSpec;
import io.fjord.protocol.api.SaslHandshakeApi;
import io.fjord.protocol.api.ApiVersionsApi;
import io.fjord.protocol.api.Apis;
import io.fjord.protocol.api.Errors;
import io.fjord.protocol.api.Frames;
import io.fjord.protocol.api.RequestHeader;
import io.fjord.protocol.api.ResponseHeader;
import io.fjord.protocol.types.ProtocolException;
import io.fjord.protocol.types.ProtocolReader;
import io.fjord.protocol.types.SizeCounter;
import io.fjord.protocol.types.Struct;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Requests are served one at a time, in arrival order, as Kafka does: the next request is
 * taken only after the previous one's response was handed to the socket, so responses leave in request order.
 * Frames that arrive meanwhile wait in a queue; reading from the socket pauses while the queue is long.
 * A frame that does not parse, an unknown API key or an unsupported version closes the connection (Kafka's
 * behaviour), except ApiVersions, which answers a too-new version with a v0 UNSUPPORTED_VERSION response.
 *
 * <p>Threading: all state is touched on the channel's event loop only; handlers run on {@code requestExecutor},
 * except those the dispatcher says run inline ({@code fjord.network.inline.apis}, Produce and Fetch by default), which run on
 * the event loop itself.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    private static final int PAUSE_READING_AT = 32;

    private final RequestDispatcher dispatcher;
    private final Executor requestExecutor;
    private final String listenerName;
    /** Request meters (count, total time, errors per API); null when the broker runs without them. */
    private final io.fjord.broker.metrics.BrokerMetrics metrics;
    /** When the request being served was taken off the queue (one request at a time per connection). */
    private long servingSince;
    private final ListenerSecurity security;
    /** Null unless the listener uses SASL; then nothing but ApiVersions and the SASL exchange before it completes. */
    private final SaslAuthenticator sasl;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private KafkaPrincipal principal;
    private boolean busy;
    private boolean closed;
    private boolean peerGone;
    /** Set when the response being sent ends the connection (a failed authentication). */
    private boolean closeAfterResponse;
    /** The broker-wide bound on queued requests ({@code queued.max.requests}, {@code queued.max.request.bytes}). */
    private final RequestQueueBudget budget;
    /** Reading is paused until {@link #budget} has room. */
    private boolean pausedByBudget;
    /** The frame being served was handed to a handler, which gives its budget back when it has answered. */
    private boolean handedOff;
    /** Client quotas (producer/consumer byte rates, request percentage); null: none enforced. */
    private io.fjord.broker.quota.ClientQuotaManager quotas;
    /** After the response being sent, read and serve nothing for this long (KIP-219's muted channel). */
    private long muteAfterResponseMs;

    ConnectionHandler(RequestDispatcher dispatcher, Executor requestExecutor, String listenerName,
                      io.fjord.broker.metrics.BrokerMetrics metrics) {
        this(dispatcher, requestExecutor, new ListenerSecurity(listenerName, SecurityProtocol.PLAINTEXT, null, null),
                ScramCredentialStore.EMPTY, metrics);
    }

    ConnectionHandler(RequestDispatcher dispatcher, Executor requestExecutor, ListenerSecurity security, ScramCredentialStore scram,
                      io.fjord.broker.metrics.BrokerMetrics metrics) {
        this(dispatcher, requestExecutor, security, scram, metrics, new RequestQueueBudget(Integer.MAX_VALUE, -1));
    }

    ConnectionHandler(RequestDispatcher dispatcher, Executor requestExecutor, ListenerSecurity security, ScramCredentialStore scram,
                      io.fjord.broker.metrics.BrokerMetrics metrics, RequestQueueBudget budget) {
        this.budget = budget;
        this.dispatcher = dispatcher;
        this.requestExecutor = requestExecutor;
        this.listenerName = security.listener();
        this.security = security;
        this.metrics = metrics;
        this.sasl = security.protocol().usesSasl()
                ? new SaslAuthenticator(security.sasl(), scram, new java.security.SecureRandom()) : null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (metrics == null) {
            read(ctx, msg);
            return;
        }
        long t0 = System.nanoTime();
        try {
            read(ctx, msg);
        } finally {
            metrics.networkBusy(System.nanoTime() - t0); // event-loop time, for the network processor idle ratio
        }
    }

    private void read(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (closed) {
            frame.release();
            return;
        }
        pending.add(frame);
        if (pending.size() >= PAUSE_READING_AT) ctx.channel().config().setAutoRead(false);
        if (!budget.acquire(frame.readableBytes()) && !pausedByBudget) {
            pausedByBudget = true;
            ctx.channel().config().setAutoRead(false);
            budget.whenRoom(() -> ctx.executor().execute(() -> {
                pausedByBudget = false;
                if (!closed && !peerGone && pending.size() < PAUSE_READING_AT) ctx.channel().config().setAutoRead(true);
            }));
        }
        if (!busy) serveNext(ctx);
    }

    private void serveNext(ChannelHandlerContext ctx) {
        while (!busy && !closed) {
            ByteBuf frame = pending.poll();
            if (frame == null) {
                if (!peerGone && !pausedByBudget) ctx.channel().config().setAutoRead(true);
                return;
            }
            if (pending.size() < PAUSE_READING_AT / 2 && !pausedByBudget) ctx.channel().config().setAutoRead(true);
            int size = frame.readableBytes();
            handedOff = false;
            try {
                serve(ctx, frame, size);
            } finally {
                frame.release();
                if (!handedOff) budget.release(size);
            }
        }
    }

    private void serve(ChannelHandlerContext ctx, ByteBuf frame, int size) {
        servingSince = System.nanoTime();
        // The body is parsed in place: the handlers get views of the frame's (pooled, usually direct) memory for
        // record batches, so the frame is retained until the handler's answer is complete (see below). No copy of
        // the request to the heap, and a direct buffer goes to FileChannel.write without the JDK's bounce copy.
        // The frame is this request's own bytes (the frame decoder's slice), so produce may stamp headers in it.
        java.nio.ByteBuffer buf = frame.nioBuffer();
        ProtocolReader in = new ProtocolReader(buf);
        RequestHeader header;
        try {
            header = RequestHeader.read(in);
        } catch (ProtocolException e) {
            closeBadClient(ctx, "malformed request header: " + e.getMessage());
            return;
        }
        ApiSpec spec = Apis.byKey(header.apiKey());
        if (spec == null || dispatcher.handler(header.apiKey()) == null) {
            closeBadClient(ctx, "unknown API key " + header.apiKey());
            return;
        }
        if (!spec.supports(header.apiVersion())) {
            if (spec.key() == ApiVersionsApi.KEY) {
                busy = true;
                sendResponse(ctx, ApiVersionsApi.SPEC, (short) 0, header.correlationId(), unsupportedApiVersions());
                return;
            }
            closeBadClient(ctx, spec.name() + " v" + header.apiVersion() + " is not supported (" + spec.lowest() + "-" + spec.highest() + ")");
            return;
        }
        Struct body;
        try {
            body = spec.request().read(in, header.apiVersion(), spec.isFlexible(header.apiVersion()));
        } catch (ProtocolException | ClassCastException | IllegalArgumentException e) {
            closeBadClient(ctx, "malformed " + spec.name() + " v" + header.apiVersion() + " request: " + e.getMessage());
            return;
        }
        if (sasl != null && sasl.isAuthenticated()) {
            // KIP-368: a SaslHandshake on an authenticated connection begins re-authentication; once the session
            // has ended nothing else is served, the connection is closed (the client reconnects and logs in).
            if (header.apiKey() == SaslHandshakeApi.KEY) {
                authenticate(ctx, header, spec, body);
                return;
            }
            if (sasl.sessionExpired()) {
                closeBadClient(ctx, spec.name() + " after the SASL session of " + principal + " expired (connections.max.reauth.ms)"
                        + " without re-authentication");
                return;
            }
        }
        if (sasl != null && !sasl.isAuthenticated()) {
            if (!sasl.allowsBeforeAuthentication(header.apiKey())) {
                closeBadClient(ctx, spec.name() + " before SASL authentication completed (" + sasl.state() + ")");
                return;
            }
            if (header.apiKey() != ApiVersionsApi.KEY) {
                authenticate(ctx, header, spec, body);
                return;
            }
        }
        KafkaPrincipal who = principal(ctx);
        if (who == null) return;
        busy = true;
        RequestContext rc = new RequestContext(header, spec, ctx.channel().remoteAddress(), listenerName, who, dispatcher.authorizer());
        ApiHandler handler = dispatcher.handler(header.apiKey());
        frame.retain(); // released once the handler's future is complete: nothing reads the request bytes after that
        handedOff = true;
        CompletableFuture<Struct> answered;
        try {
            long queuedAt = System.nanoTime();
            if (dispatcher.runsInline(header.apiKey())) {
                // fjord.network.inline.apis: this handler runs here, on the connection's event loop. It only waits
                // on the page cache and completes its future later if it must wait (acks=all, a long-poll), so
                // the two thread hand-offs per request (to the pool and back) are not worth their cost. Its time
                // counts as network-thread time (channelRead's), not toward the request pool's idle ratio; its
                // queue time, as Kafka's RequestQueueTimeMs has one sample per request, is the ~0 it waited.
                CompletableFuture<Struct> f;
                try {
                    if (metrics != null) metrics.requestDequeued(spec, System.nanoTime() - queuedAt);
                    f = handler.handle(rc, body);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                answered = f;
            } else {
                answered = CompletableFuture.supplyAsync(() -> {
                            if (metrics == null) return handler.handle(rc, body);
                            long t0 = System.nanoTime();
                            metrics.requestDequeued(spec, t0 - queuedAt);
                            try {
                                return handler.handle(rc, body);
                            } finally {
                                metrics.handlerBusy(System.nanoTime() - t0);
                            }
                        }, requestExecutor).thenCompose(f -> f);
            }
        } catch (RuntimeException e) { // the executor refused (shutting down)
            frame.release();
            budget.release(size);
            throw e;
        }
        long handedAt = System.nanoTime();
        answered.whenComplete((response, error) -> {
                    frame.release();
                    budget.release(size);
                })
                .whenComplete((response, error) -> ctx.executor().execute(() -> {
                    if (error != null) {
                        log.error("{} v{} handler failed; closing connection from {}", spec.name(), header.apiVersion(),
                                rc.clientAddress(), error);
                        close(ctx);
                        return;
                    }
                    if (response == null) {
                        if (metrics != null) metrics.requestCompleted(spec, header.apiVersion(), System.nanoTime() - servingSince, null);
                        busy = false; // no response expected (acks=0)
                        serveNext(ctx);
                        return;
                    }
                    throttleIfOverQuota(rc, body, size, response, System.nanoTime() - handedAt);
                    long t0 = System.nanoTime();
                    sendResponse(ctx, spec, header.apiVersion(), header.correlationId(), response);
                    if (metrics != null) metrics.networkBusy(System.nanoTime() - t0);
                }));
    }

    /**
     * Records the request against the client's quotas (Kafka's: produce request bytes, fetch response bytes of
     * consumers, not followers, and handler time) and, when over one, says so in the response's ThrottleTimeMs and
     * mutes the connection for that long after the response (KIP-219): kafka-clients back off on their own too.
     */
    private void throttleIfOverQuota(RequestContext rc, Struct request, int requestBytes, Struct response, long handlerNanos) {
        muteAfterResponseMs = 0;
        if (quotas == null || quotas.isEmpty()) return;
        String user = rc.principal().name();
        String clientId = rc.header().clientId() == null ? "" : rc.header().clientId();
        long throttle = quotas.recordAndGetThrottleMs(io.fjord.broker.quota.ClientQuotaManager.REQUEST_PERCENTAGE, user, clientId,
                handlerNanos / 1e6 / 10.0); // ms/10 per second reads as percent of one thread
        short key = rc.header().apiKey();
        if (key == io.fjord.protocol.api.ProduceApi.KEY) {
            throttle = Math.max(throttle, quotas.recordAndGetThrottleMs(io.fjord.broker.quota.ClientQuotaManager.PRODUCER_BYTE_RATE,
                    user, clientId, requestBytes));
        } else if (key == io.fjord.protocol.api.FetchApi.KEY && !fromFollower(request)) {
            SizeCounter counter = new SizeCounter();
            rc.spec().response().write(counter, response, rc.version(), rc.spec().isFlexible(rc.version()));
            throttle = Math.max(throttle, quotas.recordAndGetThrottleMs(io.fjord.broker.quota.ClientQuotaManager.CONSUMER_BYTE_RATE,
                    user, clientId, counter.size()));
        }
        if (throttle <= 0) return;
        int ms = (int) Math.min(Integer.MAX_VALUE, throttle);
        if (response.schema().has("ThrottleTimeMs")) response.set("ThrottleTimeMs", Math.max(ms, response.getInt("ThrottleTimeMs")));
        muteAfterResponseMs = ms;
    }

    private static boolean fromFollower(Struct fetch) {
        if (fetch.schema().has("ReplicaState")) {
            Struct state = fetch.getStruct("ReplicaState");
            if (state != null && state.getInt("ReplicaId") >= 0) return true;
        }
        return fetch.schema().has("ReplicaId") && fetch.getInt("ReplicaId") >= 0;
    }

    /** Enforces client quotas on this connection's requests. */
    void enforceQuotas(io.fjord.broker.quota.ClientQuotaManager quotas) {
        this.quotas = quotas;
    }

    /** One step of the SASL exchange, answered on the event loop (the work is a few hashes at most). */
    private void authenticate(ChannelHandlerContext ctx, RequestHeader header, ApiSpec spec, Struct body) {
        SaslAuthenticator.Reply reply = header.apiKey() == SaslHandshakeApi.KEY
                ? sasl.handshake(body) : sasl.authenticate(body, header.apiVersion());
        busy = true;
        if (!reply.closeAfter()) {
            sendResponse(ctx, spec, header.apiVersion(), header.correlationId(), reply.response());
            return;
        }
        log.info("authentication failed on listener {} from {}", listenerName, ctx.channel().remoteAddress());
        closeAfterResponse = true;
        // Kafka delays the answer to a failed authentication, so guessing passwords is slow.
        ctx.executor().schedule(() -> sendResponse(ctx, spec, header.apiVersion(), header.correlationId(), reply.response()),
                sasl.failedAuthenticationDelayMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Who this connection is: the SASL user once authenticated; on TLS the client certificate's subject mapped by
     * {@code ssl.principal.mapping.rules} (ANONYMOUS without a certificate); else ANONYMOUS. Null (and the
     * connection closed) when no mapping rule applies, as Kafka refuses such a client.
     */
    private KafkaPrincipal principal(ChannelHandlerContext ctx) {
        if (principal != null) return principal;
        if (sasl != null) {
            if (sasl.isAuthenticated()) principal = sasl.principal();
            return sasl.isAuthenticated() ? principal : KafkaPrincipal.ANONYMOUS;
        }
        principal = KafkaPrincipal.ANONYMOUS;
        io.netty.handler.ssl.SslHandler tls = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
        if (tls != null) {
            try {
                String dn = tls.engine().getSession().getPeerPrincipal().getName();
                principal = KafkaPrincipal.user(security.ssl().principalMapper().name(dn));
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                principal = KafkaPrincipal.ANONYMOUS; // no client certificate (ssl.client.auth none or requested)
            } catch (IllegalArgumentException e) {
                closeBadClient(ctx, e.getMessage());
                return null;
            }
        }
        return principal;
    }

    private static Struct unsupportedApiVersions() {
        Struct r = ApiVersionsApi.SPEC.newResponse();
        r.set("ErrorCode", Errors.UNSUPPORTED_VERSION.code());
        Struct k = r.child("ApiKeys");
        k.set("ApiKey", ApiVersionsApi.KEY).set("MinVersion", ApiVersionsApi.SPEC.advertisedLowest())
                .set("MaxVersion", ApiVersionsApi.SPEC.highest());
        r.set("ApiKeys", List.of(k));
        return r;
    }

    private void sendResponse(ChannelHandlerContext ctx, ApiSpec spec, short version, int correlationId, Struct body) {
        if (closed) return;
        if (peerGone) {
            busy = false;
            ctx.executor().execute(() -> serveNext(ctx)); // not inline: serveNext may be below us on the stack
            return;
        }
        short headerVersion = spec.responseHeaderVersion(version);
        boolean flexible = spec.isFlexible(version);
        SizeCounter counter = new SizeCounter();
        new ResponseHeader(correlationId).write(counter, headerVersion);
        spec.response().write(counter, body, version, flexible);
        NettyResponseWriter out = new NettyResponseWriter(ctx.alloc(), counter.size() + 4, !security.protocol().usesTls());
        List<Object> parts;
        try {
            out.writeInt(counter.size());
            Frames.writeResponse(out, spec, version, correlationId, body);
            parts = out.finish();
        } catch (RuntimeException e) {
            out.releaseAll();
            log.error("cannot encode {} v{} response; closing connection", spec.name(), version, e);
            close(ctx);
            return;
        }
        for (int i = 0; i < parts.size() - 1; i++) ctx.write(parts.get(i), ctx.voidPromise());
        ctx.writeAndFlush(parts.get(parts.size() - 1)).addListener(f -> {
            if (!f.isSuccess() || closeAfterResponse) {
                close(ctx);
                return;
            }
            // Kafka's TotalTimeMs: from taking the request to handing the whole response to the socket.
            if (metrics != null) metrics.requestCompleted(spec, version, System.nanoTime() - servingSince, body);
            long mute = muteAfterResponseMs;
            muteAfterResponseMs = 0;
            if (mute > 0) {
                ctx.channel().config().setAutoRead(false);
                ctx.executor().schedule(() -> {
                    busy = false;
                    serveNext(ctx);
                }, mute, java.util.concurrent.TimeUnit.MILLISECONDS);
                return;
            }
            busy = false;
            serveNext(ctx);
        });
    }

    private void closeBadClient(ChannelHandlerContext ctx, String why) {
        log.info("closing connection from {}: {}", ctx.channel().remoteAddress(), why);
        close(ctx);
    }

    private void close(ChannelHandlerContext ctx) {
        closed = true;
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            budget.release(b.readableBytes());
            b.release();
        }
        ctx.close();
    }

    /**
     * The peer went away. Whole requests it sent before closing are still served (an acks=0 producer closes right
     * after writing, and its records must not be lost); their responses have nowhere to go and are dropped.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        peerGone = true;
        if (!busy) serveNext(ctx);
    }

    /**
     * {@code connections.max.idle.ms} passed with nothing read or written: closed, as Kafka closes idle connections,
     * unless a request is being served (a long-poll fetch is waiting, not idle).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
            if (!busy && pending.isEmpty()) {
                log.debug("closing idle connection from {}", ctx.channel().remoteAddress());
                close(ctx);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause instanceof io.netty.handler.codec.CorruptedFrameException) {
            closeBadClient(ctx, cause.getMessage());
        } else if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
            // A failed TLS handshake (untrusted or missing certificate, no common protocol): the client's problem.
            log.info("TLS failed on listener {} from {}: {}", listenerName, ctx.channel().remoteAddress(), cause.getCause().getMessage());
            close(ctx);
        } else if (cause instanceof IOException) {
            log.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            close(ctx);
        } else {
            log.warn("unexpected error on connection from {}; closing it", ctx.channel().remoteAddress(), cause);
            close(ctx);
        }
    }
}
