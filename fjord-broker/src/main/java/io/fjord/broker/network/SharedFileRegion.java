package io.fjord.broker.network;

import io.netty.channel.DefaultFileRegion;
import java.nio.channels.FileChannel;

/**
 * A file region over a segment's own channel. Netty's {@link DefaultFileRegion} closes its channel when released;
 * the segment's channel outlives any one response, so release must leave it open. Being a DefaultFileRegion
 * keeps the epoll transport's native sendfile path.
 */
final class SharedFileRegion extends DefaultFileRegion {
    SharedFileRegion(FileChannel channel, long position, long count) {
        super(channel, position, count);
    }

    @Override
    protected void deallocate() {
        // The channel belongs to the log segment, which closes it.
    }
}
