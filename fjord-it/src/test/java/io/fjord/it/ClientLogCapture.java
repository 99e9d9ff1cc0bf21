package io.fjord.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Collects the log lines of one logger of this JVM (logback) that contain a fragment, e.g. kafka-clients' producer
 * {@code Sender} warning that it retries a batch after {@code NOT_ENOUGH_REPLICAS}: a refusal the application never
 * sees, because the producer retries it. Thread-safe; {@link #close()} detaches it.
 */
final class ClientLogCapture implements AutoCloseable {
    private final Logger logger;
    private final AppenderBase<ILoggingEvent> appender;
    private final List<String> lines = new ArrayList<>();

    ClientLogCapture(String loggerName, String fragment) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        this.logger = ctx.getLogger(loggerName);
        this.appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                String m = e.getFormattedMessage();
                if (m != null && m.contains(fragment)) {
                    synchronized (lines) {
                        lines.add(e.getLevel() + " " + m);
                    }
                }
            }
        };
        appender.setContext(ctx);
        appender.setName("capture-" + fragment);
        appender.start();
        logger.addAppender(appender);
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
