package io.fjord.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's size-prefixed frames (a 4-byte big-endian length, then that many bytes), bounded by
 * {@code socket.request.max.bytes}, and bounded in time: a frame whose first byte has arrived must be complete
 * within {@code fjord.socket.request.read.timeout.ms}, else the connection is closed. Without that a client
 * sending one byte a second (or a header promising a large frame and then nothing) keeps its connection, its
 * buffer and its per-IP slot forever, since {@code connections.max.idle.ms} sees it as active. Memory held by a
 * partial frame is only what actually arrived (the cumulation grows with the bytes, not with the promised length).
 *
 * <p>All state is touched on the channel's event loop.
 */
final class BoundedFrameDecoder extends LengthFieldBasedFrameDecoder {
    private static final Logger log = LoggerFactory.getLogger(BoundedFrameDecoder.class);

    private final long incompleteFrameTimeoutMs;
    /** Fires when the frame being read has taken too long; null while no partial frame is buffered. */
    private ScheduledFuture<?> deadline;

    BoundedFrameDecoder(int maxFrameBytes, long incompleteFrameTimeoutMs) {
        super(maxFrameBytes, 0, 4, 0, 4, true);
        this.incompleteFrameTimeoutMs = incompleteFrameTimeoutMs;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        Object frame = super.decode(ctx, in);
        if (frame != null) cancelDeadline(); // a frame completed: the next one gets its own time
        if (in.isReadable() && deadline == null && incompleteFrameTimeoutMs > 0) {
            deadline = ctx.executor().schedule(() -> {
                deadline = null;
                log.info("closing connection from {}: a request frame stayed incomplete for {} ms",
                        ctx.channel().remoteAddress(), incompleteFrameTimeoutMs);
                ctx.close();
            }, incompleteFrameTimeoutMs, TimeUnit.MILLISECONDS);
        } else if (!in.isReadable()) {
            cancelDeadline();
        }
        return frame;
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        super.channelInactive(ctx);
    }
}
