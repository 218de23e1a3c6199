import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HttpAggregate } from './http-aggregate';
import { RouteTable, type ListableRouter } from './route-table';

/** The parts of an Express application the measurement reads and wraps. */
export interface MeasuredApp {
  /** The router (Express 5 creates it lazily), read on each request: routes come after the measurement. */
  readonly router: unknown;
  /** The prototype Express gives every response (`app.response`). */
  readonly response: ServerResponse;
}

/** Express's entry for every request an application serves (not in its type definitions). */
type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse, callback?: unknown) => void;

export interface HttpMetricsOptions {
  /** Where the HTTP families are aggregated (`telemetry.http`). */
  aggregate: HttpAggregate;
  app: MeasuredApp;
  /** Route templates left out of the http_* families; the probe and scrape endpoints by default. */
  unmeasured?: readonly string[];
}

/**
 * The probe and scrape endpoints. They are not the service's requests: /ready answers 503 while a
 * dependency connects, which counted as the service's errors on every start (HighErrorRate), and
 * the seed's instrumentator leaves /metrics out for the same reason.
 */
export const UNMEASURED_ROUTES: readonly string[] = ['/health', '/ready', '/metrics'];

/** Node accepts some 34 methods; the rest share one label value, so a scanner cannot add series per method. */
const LABELLED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Records the http_* families for every request `app` serves, including the ones no route matches.
 * It wraps `app.handle`, where Express receives each request, rather than mounting a middleware:
 * a middleware's turn through the router cost more instructions than the recording itself.
 */
export function measureHttp({ aggregate, app, unmeasured = UNMEASURED_ROUTES }: HttpMetricsOptions): void {
  const routes = new RouteTable(() => app.router as ListableRouter);
  const skipped = new Set(unmeasured);
  const entry = app as MeasuredApp & { handle: Handle };
  if (typeof entry.handle !== 'function')
    throw new TypeError('measureHttp measures an Express 5 application');
  countBodyBytes(app.response);
  const handle = entry.handle;

  entry.handle = function measuredHandle(req, res, callback) {
    const startedAt = performance.now();
    const method = req.method ?? 'GET';
    const methodLabel = LABELLED_METHODS.has(method) ? method : 'OTHER';
    // Express's own parse (cached for its router) when the request already has its prototype.
    const path = (req as { path?: string }).path ?? pathOf(req.url);
    // By template, so every spelling the router serves them under (/READY, /ready/) is left out too.
    const template = routes.resolve(method, path);
    if (skipped.has(template)) {
      handle.call(this, req, res, callback);
      return;
    }
    const route = aggregate.start(template, methodLabel);
    // 'close' comes once, after 'finish' or when the client went away first.
    res.on('close', () => {
      aggregate.finish(
        route,
        res.statusCode,
        (performance.now() - startedAt) / 1000,
        requestBodyBytes(req),
        responseBodyBytes(req, res as Counted),
      );
    });
    handle.call(this, req, res, callback);
  };
}

function pathOf(url = '/'): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function requestBodyBytes(req: IncomingMessage): number {
  return declaredLength(req.headers['content-length']) ?? 0;
}

/** The declared Content-Length (what Prometheus's Python instrumentators report), else the bytes counted. */
function responseBodyBytes(req: IncomingMessage, res: Counted): number {
  if (req.method === 'HEAD') return 0; // it declares the length of a body it does not send
  return declaredLength(res.getHeader('content-length')) ?? res[BODY_BYTES];
}

function declaredLength(header: unknown): number | undefined {
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isFinite(length) && length >= 0 ? length : undefined;
}

const BODY_BYTES = Symbol('bodyBytes');
type Counted = ServerResponse & { [BODY_BYTES]: number };

/**
 * Makes every response of the app without a Content-Length count the body bytes it writes, so
 * streamed responses are measured as well as buffered ones. `write` and `end` are defined once on
 * the app's response prototype, Express's place for extending responses: wrapping them on each
 * response cost about 14 µs a request (two closures, and a response shape the hot paths of Node's
 * HTTP code no longer recognised). Responses that declare their length are not counted: storing the
 * count on a response gives it a new property, about 2 µs a request.
 */
function countBodyBytes(response: ServerResponse): void {
  if (Object.hasOwn(response, BODY_BYTES)) return; // counting already
  (response as Counted)[BODY_BYTES] = 0; // where each response starts from
  const { write, end } = response;
  // Fixed parameters rather than rest arguments: these run for every chunk of every response.
  response.write = function (this: Counted, chunk: unknown, encoding?: unknown, callback?: unknown) {
    count(this, chunk, encoding);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, encoding, callback);
  } as ServerResponse['write'];
  response.end = function (this: Counted, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    if (typeof chunk !== 'function') count(this, chunk, encoding);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, encoding, callback);
  } as ServerResponse['end'];
}

function count(res: Counted, chunk: unknown, encoding: unknown): void {
  if (res.hasHeader('content-length')) return;
  if (typeof chunk === 'string') {
    const charset = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
    res[BODY_BYTES] = res[BODY_BYTES] + Buffer.byteLength(chunk, charset);
  } else if (chunk instanceof Uint8Array) {
    res[BODY_BYTES] = res[BODY_BYTES] + chunk.byteLength;
  }
}
