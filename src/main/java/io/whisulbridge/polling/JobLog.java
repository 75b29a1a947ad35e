package io.whisulbridge.polling;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One log line per job state change, with {@code request_id} and {@code job_id} in the MDC so that text and JSON
 * logs can be filtered by request. Reactive steps hop threads, so the MDC is set around each line, not per thread.
 */
public final class JobLog {

    private static final Logger LOG = Logger.getLogger("io.whisulbridge.job");

    private JobLog() {}

    public static void info(Job job, String format, Object... args) {
        log(Logger.Level.INFO, job, format, args);
    }

    public static void warn(Job job, String format, Object... args) {
        log(Logger.Level.WARN, job, format, args);
    }

    public static void debug(Job job, String format, Object... args) {
        if (LOG.isDebugEnabled()) {
            log(Logger.Level.DEBUG, job, format, args);
        }
    }

    private static void log(Logger.Level level, Job job, String format, Object... args) {
        MDC.put("request_id", job.requestId());
        if (job.jobId() != null) {
            MDC.put("job_id", job.jobId());
        }
        try {
            LOG.logf(level, "request %s: " + format, prepend(job.requestId(), args));
        } finally {
            MDC.remove("request_id");
            MDC.remove("job_id");
        }
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
