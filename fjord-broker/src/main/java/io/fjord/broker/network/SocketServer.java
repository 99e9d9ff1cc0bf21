package io.fjord.broker.network;

import io.fjord.broker.config.BrokerConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of the broker: one server channel per listener, epoll where the platform has it (sendfile for
 * file regions either way). Each connection gets a size-prefixed frame decoder bounded by
 * {@code socket.request.max.bytes} and a {@link ConnectionHandler}; a TLS listener (SSL, SASL_SSL) puts Netty's
 * {@code SslHandler} with a JDK engine in front, and its responses carry copied log bytes instead of file regions.
 */
public final class SocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketServer.class);

    private final BrokerConfig config;
    private final RequestDispatcher dispatcher;
    private final Executor requestExecutor;
    private final List<Channel> serverChannels = new ArrayList<>();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    /** Connections accepted before {@link #startServing()} wait, unread, until the handlers exist. */
    private final io.netty.channel.group.ChannelGroup admitted =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private volatile boolean serving;
    private final io.fjord.broker.metrics.BrokerMetrics metrics;

    private final io.fjord.broker.security.ScramCredentialStore scramCredentials;
    /** Set by {@link #start()}: the connection count and rate bounds, and the queued-request budget. */
    private ConnectionLimits limits;
    private RequestQueueBudget queueBudget;
    private io.fjord.broker.quota.ClientQuotaManager clientQuotas;

    public SocketServer(BrokerConfig config, RequestDispatcher dispatcher, Executor requestExecutor) {
        this(config, dispatcher, requestExecutor, io.fjord.broker.security.ScramCredentialStore.EMPTY, null);
    }

    /**
     * With SCRAM credentials for SASL listeners and request meters recorded for every request served
     * ({@code metrics} may be null).
     */
    public SocketServer(BrokerConfig config, RequestDispatcher dispatcher, Executor requestExecutor,
                        io.fjord.broker.security.ScramCredentialStore scramCredentials,
                        io.fjord.broker.metrics.BrokerMetrics metrics) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.requestExecutor = requestExecutor;
        this.scramCredentials = scramCredentials;
        this.metrics = metrics;
    }

    /**
     * Binds every Kafka listener (not yet reading, see {@link #startServing()}). A listener that cannot be bound
     * fails the start with a {@link java.net.BindException} naming the listener, its address and the cause; the
     * listeners bound before it stay bound until {@link #close()}.
     */
    public void start() throws InterruptedException, java.net.BindException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, factory);
        workerGroup = new MultiThreadIoEventLoopGroup(config.getInt("num.network.threads"), factory);
        int maxFrame = config.getInt("socket.request.max.bytes");
        long idleMs = config.getLong("connections.max.idle.ms");
        long incompleteFrameMs = config.getLong("fjord.socket.request.read.timeout.ms");
        List<String> names = new ArrayList<>();
        for (BrokerConfig.Listener l : config.listeners()) names.add(l.name());
        limits = new ConnectionLimits(config, names, config.listenerLayout().interBrokerListenerName(),
                () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        clientQuotas = new io.fjord.broker.quota.ClientQuotaManager(config.getInt("quota.window.num"),
                config.getLong("quota.window.size.seconds") * 1000, () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        queueBudget = new RequestQueueBudget(config.getInt("queued.max.requests"), config.getLong("queued.max.request.bytes"));
        for (BrokerConfig.Listener l : config.listeners()) {
            io.fjord.broker.security.ListenerSecurity security = config.listenerSecurity(l.name());
            ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 512)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    // Netty 4.2's default (adaptive) allocator serves a buffer it cannot pool (a produce request's
                    // cumulation growing past its sizes) with a fresh, zeroed direct buffer: 3-4 % of the broker's
                    // CPU under produce load in async-profiler. The pooled allocator reuses its chunks.
                    .childOption(ChannelOption.ALLOCATOR, io.netty.buffer.PooledByteBufAllocator.DEFAULT)
                    .handler(new AcceptRateGate(l.name()))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            java.net.InetAddress ip = ch.remoteAddress().getAddress();
                            ConnectionLimits.Admission admission = limits.admit(l.name(), ip);
                            if (admission != ConnectionLimits.Admission.ADMITTED) {
                                log.info("refusing connection from {} on listener {}: {}", ch.remoteAddress(), l.name(), admission);
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(f -> limits.release(l.name(), ip));
                            admitted.add(ch);
                            if (idleMs > 0) {
                                // Counts TLS bytes too: a handshake in progress is activity.
                                ch.pipeline().addLast("idle", new io.netty.handler.timeout.IdleStateHandler(0, 0, idleMs, TimeUnit.MILLISECONDS));
                            }
                            if (serving) ch.config().setAutoRead(true);
                            if (security.protocol().usesTls()) {
                                // The JDK's engine; the handshake runs before any Kafka bytes are read.
                                ch.pipeline().addLast("tls", new io.netty.handler.ssl.SslHandler(security.ssl().newServerEngine()));
                            }
                            ch.pipeline()
                                    .addLast("frames", new BoundedFrameDecoder(maxFrame, incompleteFrameMs))
                                    .addLast("requests", connection(security));
                        }
                    });
            Channel ch = bind(b, l);
            serverChannels.add(ch);
            log.info("listening on {} ({} {}, {})", ch.localAddress(), l.name(), security.protocol(), epoll ? "epoll" : "nio");
        }
    }

    /**
     * On a listener's server channel: counts each accepted connection against {@code max.connection.creation.rate}
     * and, over the rate, stops accepting for the throttle time (connections wait in the kernel's backlog), as
     * Kafka's acceptor does.
     */
    private final class AcceptRateGate extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final String listener;

        AcceptRateGate(String listener) {
            this.listener = listener;
        }

        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object child) {
            long throttleMs = limits.recordCreation(listener);
            if (throttleMs > 0 && ctx.channel().config().isAutoRead()) {
                log.debug("listener {}: connection creation rate exceeded, not accepting for {} ms", listener, throttleMs);
                ctx.channel().config().setAutoRead(false);
                ctx.executor().schedule(() -> {
                    ctx.channel().config().setAutoRead(true);
                    ctx.read();
                }, throttleMs, TimeUnit.MILLISECONDS);
            }
            ctx.fireChannelRead(child);
        }
    }

    private ConnectionHandler connection(io.fjord.broker.security.ListenerSecurity security) {
        ConnectionHandler h = new ConnectionHandler(dispatcher, requestExecutor, security, scramCredentials, metrics, queueBudget);
        h.enforceQuotas(clientQuotas);
        return h;
    }

    /** The client quotas enforced on every connection (after {@link #start()}). */
    public io.fjord.broker.quota.ClientQuotaManager clientQuotas() {
        return clientQuotas;
    }

    /** The connection bounds in force (after {@link #start()}). */
    public ConnectionLimits connectionLimits() {
        return limits;
    }

    private static Channel bind(ServerBootstrap b, BrokerConfig.Listener l) throws InterruptedException, java.net.BindException {
        io.netty.channel.ChannelFuture f = b.bind(new InetSocketAddress(l.host(), l.port())).await();
        if (f.isSuccess()) return f.channel();
        Throwable cause = f.cause();
        while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
        String reason = String.valueOf(cause.getMessage());
        // Netty's native transport says "bind(..) failed with error(-98): Address already in use"; keep the reason.
        if (reason.startsWith("bind(") && reason.contains("): ")) reason = reason.substring(reason.lastIndexOf("): ") + 3);
        java.net.BindException e = new java.net.BindException("listener " + l.name() + ": cannot bind " + l.host() + ":"
                + l.port() + ": " + reason);
        e.initCause(f.cause());
        throw e;
    }

    /**
     * Starts reading requests. Until then connections are accepted (so the bound port is known and clients do
     * not see refusals during recovery) but nothing is read from them.
     */
    public void startServing() {
        serving = true;
        for (Channel ch : admitted) ch.config().setAutoRead(true);
    }

    /** The port each listener is bound to, in listener order (useful when a listener asked for port 0). */
    public List<Integer> boundPorts() {
        List<Integer> ports = new ArrayList<>();
        for (Channel c : serverChannels) ports.add(((InetSocketAddress) c.localAddress()).getPort());
        return ports;
    }

    @Override
    public void close() {
        for (Channel c : serverChannels) c.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (bossGroup != null) bossGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (workerGroup != null) workerGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
