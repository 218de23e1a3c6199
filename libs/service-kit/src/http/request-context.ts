import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller's X-Request-Id when it is sane, else a new one; echoed in the response. */
    id: string;
    /** A child of the service logger carrying the request id. */
    log: Logger;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Gives each request an id and a logger, and logs it once answered: 5xx at error, 4xx at info. */
export function requestContext(logger: Logger): RequestHandler {
  return function requestContext(req, res, next) {
    const incoming = req.get('x-request-id');
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const traceId = callersTraceId(req.headers.traceparent);
    req.log = logger.child(traceId ? { requestId: req.id, trace_id: traceId } : { requestId: req.id });
    res.setHeader('X-Request-Id', req.id);

    const startedAt = performance.now();
    res.once('finish', () => {
      const fields = {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Math.round(performance.now() - startedAt),
      };
      // Probes set their own level: a 503 from /ready while a dependency is down is expected.
      const level = res.locals.logLevel as 'debug' | 'info' | undefined;
      if (level) req.log[level](fields, 'probe answered');
      else if (res.statusCode >= 500) req.log.error(fields, 'request failed');
      else if (res.statusCode >= 400) req.log.info(fields, 'request rejected');
      else req.log.debug(fields, 'request served');
    });
    next();
  };
}

/**
 * The trace id of the caller's `traceparent`, for the request's logs, when no span carries it:
 * with tracing off the SDK keeps no trace context, and this costs nothing without the header.
 */
function callersTraceId(traceparent: string | string[] | undefined): string | undefined {
  if (typeof traceparent !== 'string' || trace.getActiveSpan()) return undefined;
  return parseTraceParent(traceparent)?.traceId;
}
