import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
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
    req.log = logger.child({ requestId: req.id });
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
    continueInCallersTrace(req.headers, next);
  };
}

/**
 * Runs the rest of the request in the caller's trace when it sent `traceparent` and no HTTP
 * instrumentation has already done so, so logs and the events this request causes carry the
 * caller's trace id. Costs nothing for requests without the header.
 */
function continueInCallersTrace(headers: Record<string, unknown>, next: () => void): void {
  if (headers.traceparent === undefined || trace.getSpan(context.active())) {
    next();
    return;
  }
  context.with(propagation.extract(context.active(), headers), next);
}
