import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HttpAggregate } from './http-aggregate';
import { RouteTable, type ListableRouter } from './route-table';

export interface HttpMetricsOptions {
  /** Where the HTTP families are aggregated (`telemetry.http`). */
  aggregate: HttpAggregate;
  /** The Express application's router (`() => app.router`), read lazily: routes come after the middleware. */
  router: () => ListableRouter;
}

/** Node accepts some 34 methods; the rest share one label value, so a scanner cannot add series per method. */
const LABELLED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type Middleware = (req: IncomingMessage & { path?: string }, res: ServerResponse, next: () => void) => void;

/**
 * Records the http_* families for every request. Mount it first, so it sees every request,
 * including the ones no route matches.
 */
export function httpMetrics({ aggregate, router }: HttpMetricsOptions): Middleware {
  const routes = new RouteTable(router);

  return function recordHttpMetrics(req, res, next) {
    const startedAt = performance.now();
    const method = req.method ?? 'GET';
    const methodLabel = LABELLED_METHODS.has(method) ? method : 'OTHER';
    const route = aggregate.start(routes.resolve(method, req.path ?? pathOf(req.url)), methodLabel);
    const bodyBytes = countBodyBytes(res);
    res.once('close', () => {
      aggregate.finish(
        route,
        res.statusCode,
        (performance.now() - startedAt) / 1000,
        requestBodyBytes(req),
        bodyBytes(),
      );
    });
    next();
  };
}

function pathOf(url = '/'): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function requestBodyBytes(req: IncomingMessage): number {
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0 ? length : 0;
}

/**
 * Counts the body bytes the response writes, so streamed responses (no Content-Length) are
 * measured as well as buffered ones.
 */
function countBodyBytes(res: ServerResponse): () => number {
  let bytes = 0;
  const write = res.write;
  const end = res.end;
  const count = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') {
      bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    } else if (chunk instanceof Uint8Array) {
      bytes += chunk.byteLength;
    }
  };
  // Fixed parameters rather than rest arguments: these run for every chunk of every response.
  res.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown, callback?: unknown) {
    count(chunk, encoding);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, encoding, callback);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    if (typeof chunk !== 'function') count(chunk, encoding);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, encoding, callback);
  } as ServerResponse['end'];
  return () => bytes;
}
