package io.fjord.broker.console;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console listener ({@code fjord.console.listener}): an HTTP/1.1 server on Netty's HTTP codec serving
 * {@code /metrics} (Prometheus text format) and the console's pages. Routes are exact paths or prefixes ending in
 * {@code /}; a route answers a {@link Reply}. Route code runs on one console thread, never on the event loop, so a
 * slow page cannot stall accepting, and at most one console request is served at a time (the console is for a few
 * operators and Prometheus, not for traffic). A route that throws answers 500 and is logged; it never reaches the
 * broker.
 *
 * <p>Life cycle: construct, add routes, {@link #start()} once, {@link #close()} once. Thread-safe after start.
 */
public final class ConsoleServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    /** One HTTP answer. */
    public record Reply(int status, String contentType, byte[] body) {
        public static Reply text(int status, String text) {
            return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }

        public static Reply html(int status, String html) {
            return new Reply(status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
        }

        public static Reply json(int status, String json) {
            return new Reply(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A request as a route sees it: method, path, query parameters, body. */
    public record Request(String method, String path, Map<String, List<String>> params, String body) {
        public String param(String name) {
            List<String> v = params.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    @FunctionalInterface
    public interface Route {
        Reply handle(Request request) throws Exception;
    }

    private final InetSocketAddress address;
    private final Map<String, Route> routes = new java.util.concurrent.ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fjord-console");
        t.setDaemon(true);
        return t;
    });
    private EventLoopGroup group;
    private Channel channel;

    public ConsoleServer(InetSocketAddress address) {
        this.address = address;
    }

    /**
     * Parses {@code fjord.console.listener}: {@code none} (or empty) is off (null), else {@code http://host:port}.
     *
     * @throws IllegalArgumentException with a message naming the setting when it is neither
     */
    public static InetSocketAddress parseListener(String value) {
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("none")) return null;
        String v = value.trim();
        try {
            URI u = new URI(v);
            if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getPort() < 0
                    || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/"))) {
                throw new IllegalArgumentException();
            }
            return new InetSocketAddress(u.getHost(), u.getPort());
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("fjord.console.listener must be none or http://host:port, not '" + v + "'");
        }
    }

    /** Adds a route for an exact path, or for every path under a prefix ending in {@code /}; also after start. */
    public ConsoleServer route(String path, Route route) {
        routes.put(path, route);
        return this;
    }

    /** Binds the listener; a port that cannot be bound fails with a BindException naming it. */
    public void start() throws InterruptedException, java.net.BindException {
        group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "fjord-console-io");
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES), new Handler());
                    }
                });
        io.netty.channel.ChannelFuture f = b.bind(address).await();
        if (!f.isSuccess()) {
            close();
            Throwable cause = f.cause();
            while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
            java.net.BindException e = new java.net.BindException("listener console (fjord.console.listener): cannot bind "
                    + address.getHostString() + ":" + address.getPort() + ": " + cause.getMessage());
            e.initCause(f.cause());
            throw e;
        }
        channel = f.channel();
        log.info("console and /metrics on http://{}:{}/", address.getHostString(), port());
    }

    /** The bound port (the real one when the listener asked for port 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    Reply dispatch(Request request) {
        Route route = routes.get(request.path());
        if (route == null) {
            String best = null;
            for (String p : routes.keySet()) {
                if (p.endsWith("/") && request.path().startsWith(p) && (best == null || p.length() > best.length())) best = p;
            }
            route = best == null ? null : routes.get(best);
        }
        if (route == null) return Reply.html(404, Html.page("Not found", "<p>No page at " + Html.escape(request.path()) + ".</p>"));
        try {
            return route.handle(request);
        } catch (BadRequest e) {
            return Reply.html(400, Html.page("Bad request", "<p class=error>" + Html.escape(e.getMessage()) + "</p>"));
        } catch (NotFound e) {
            return Reply.html(404, Html.page("Not found", "<p class=error>" + Html.escape(e.getMessage()) + "</p>"));
        } catch (Exception e) {
            log.warn("console route {} failed", request.path(), e);
            return Reply.text(500, "internal error: " + e);
        }
    }

    /** A route's answer to malformed input: 400 with the message. */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message);
        }
    }

    /** A route's answer to a missing topic, partition or group: 404 with the message. */
    public static final class NotFound extends RuntimeException {
        public NotFound(String message) {
            super(message);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            boolean keepAlive = HttpUtil.isKeepAlive(msg);
            if (!msg.decoderResult().isSuccess()) {
                write(ctx, Reply.text(400, "malformed HTTP request"), false);
                return;
            }
            QueryStringDecoder q = new QueryStringDecoder(msg.uri());
            Map<String, List<String>> params = new LinkedHashMap<>(q.parameters());
            String body = "";
            if (msg.method() == HttpMethod.POST) {
                body = msg.content().toString(StandardCharsets.UTF_8);
                String type = String.valueOf(msg.headers().get(HttpHeaderNames.CONTENT_TYPE));
                if (type.startsWith(HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED.toString())) {
                    params.putAll(new QueryStringDecoder(body, false).parameters());
                }
            }
            serve(ctx, new Request(msg.method().name(), q.path(), params, body), keepAlive);
        }

        private void serve(ChannelHandlerContext ctx, Request r, boolean keepAlive) {
            try {
                worker.execute(() -> {
                    Reply reply = dispatch(r);
                    ctx.executor().execute(() -> write(ctx, reply, keepAlive));
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                write(ctx, Reply.text(503, "shutting down"), false);
            }
        }

        private void write(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                    Unpooled.wrappedBuffer(reply.body()));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
            resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            if (keepAlive) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("console connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    @Override
    public void close() {
        if (channel != null) channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        worker.shutdownNow();
        if (group != null) group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
