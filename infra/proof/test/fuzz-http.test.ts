import { METHODS } from 'node:http';
import fc from 'fast-check';
import { bodyFor, pathSegment, queryFor } from './support/fuzz-arbitraries';
import {
  assertAlive,
  assertContract,
  scrape,
  send,
  sendJson,
  seriesKeys,
  startFuzzStack,
  type FuzzStack,
  type FuzzWho,
  type MetricsSnapshot,
} from './support/fuzz-stack';

/**
 * Property-based fuzzing of the HTTP surface of ticket, realtime and file (issue 22, "Bad input"),
 * as real processes with valid tokens of every role: whatever the body, query or path, the answer
 * is never a 5xx, every 4xx keeps the error contract, the process stays up, its memory stays under
 * a bound and the fuzzing adds no metric series per random value.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
/** Bounds asserted after the run (the figures measured are printed; see the report in the test names). */
const RSS_BOUND_BYTES = 350 * 1024 * 1024;
/** Series the fuzzing may add: closed label sets only (route × method × status class, histogram buckets). */
const SERIES_GROWTH_BOUND = 600;
/** Random requests sent after the fuzzing, and the series they may still add (none expected). */
const SERIES_PROBE_REQUESTS = 2000;
const SERIES_PROBE_GROWTH_BOUND = 10;
/** Series that every method Node's parser accepts may add on one unmatched path. */
const METHOD_SERIES_BOUND = 2000;

const WHO: FuzzWho[] = ['employee', 'other', 'agent', 'admin'];
const who = fc.constantFrom(...WHO);
const VALID_TICKET = {
  title: 'Printer on fire',
  description: 'It smells of toner',
  category: 'hardware',
  priority: 'high',
};

describe('fuzzing the HTTP APIs (ticket, realtime, file)', () => {
  let stack: FuzzStack;
  let ticketId: string;
  const before: Partial<Record<'ticket' | 'realtime' | 'file', MetricsSnapshot>> = {};

  beforeAll(async () => {
    stack = await startFuzzStack(['ticket', 'realtime', 'file'], 'fuzz_http');
    const created = await sendJson(
      stack.service('ticket').url,
      'POST',
      '/api/v1/tickets',
      VALID_TICKET,
      stack.tokens.employee,
    );
    expect(created.status).toBe(201);
    ticketId = (JSON.parse(created.text) as { id: string }).id;
    // Every handler answers once before the baseline, so the baseline holds their series.
    for (const name of ['ticket', 'realtime', 'file'] as const) {
      const url = stack.service(name).url;
      await send(url, { method: 'GET', path: '/no/such/route' });
      await send(url, { method: 'POST', path: '/no/such/route', body: '{' });
      before[name] = await scrape(stack.service(name));
    }
  }, 120_000);

  afterAll(async () => {
    const codes = await stack?.stop();
    for (const [name, code] of Object.entries(codes ?? {}))
      if (code !== 0)
        process.stderr.write(
          `${name} exited ${code}:\n${stack
            .service(name as 'file')
            .output()
            .slice(-6000)}\n`,
        );
    expect(codes).toEqual({ ticket: 0, realtime: 0, file: 0 });
  });

  const ticketPath = () =>
    fc.oneof({ weight: 1, arbitrary: fc.constant(ticketId) }, { weight: 3, arbitrary: pathSegment });

  it('ticket: POST /api/v1/tickets with any body', async () => {
    const url = stack.service('ticket').url;
    await fc.assert(
      fc.asyncProperty(who, bodyFor(VALID_TICKET), async (caller, body) => {
        const res = await sendJson(url, 'POST', '/api/v1/tickets', body, stack.tokens[caller]);
        assertContract(res, `POST /api/v1/tickets ${show(body)}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('ticket: GET /api/v1/tickets with any query', async () => {
    const url = stack.service('ticket').url;
    const query = queryFor([
      'status',
      'priority',
      'category',
      'assigneeId',
      'requesterId',
      'q',
      'sort',
      'limit',
      'cursor',
    ]);
    await fc.assert(
      fc.asyncProperty(who, query, async (caller, q) => {
        const res = await send(url, {
          method: 'GET',
          path: `/api/v1/tickets${q}`,
          token: stack.tokens[caller],
        });
        assertContract(res, `GET /api/v1/tickets${q}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('ticket: every /api/v1/tickets/:id route with any id and body', async () => {
    const url = stack.service('ticket').url;
    const route = fc.constantFrom(
      { method: 'GET', suffix: '', valid: {} },
      { method: 'PATCH', suffix: '', valid: { title: 'New title', priority: 'low' } },
      { method: 'POST', suffix: '/assign', valid: { assigneeId: 'fuzz-agent' } },
      { method: 'POST', suffix: '/status', valid: { status: 'in_progress' } },
      { method: 'POST', suffix: '/comments', valid: { body: 'hello', internal: false } },
    );
    const request = route.chain((r) => fc.tuple(fc.constant(r), ticketPath(), bodyFor(r.valid)));
    await fc.assert(
      fc.asyncProperty(who, request, async (caller, [r, id, body]) => {
        const path = `/api/v1/tickets/${id}${r.suffix}`;
        const res =
          r.method === 'GET'
            ? await send(url, { method: 'GET', path, token: stack.tokens[caller] })
            : await sendJson(url, r.method, path, body, stack.tokens[caller]);
        assertContract(res, `${r.method} ${path} ${show(body)}`);
      }),
      { numRuns: RUNS * 2, endOnFailure: true },
    );
  });

  it('realtime: GET /api/v1/chat/:ticketId/messages with any id and query', async () => {
    const url = stack.service('realtime').url;
    await fc.assert(
      fc.asyncProperty(who, ticketPath(), queryFor(['afterSeq', 'limit']), async (caller, id, q) => {
        const path = `/api/v1/chat/${id}/messages${q}`;
        const res = await send(url, { method: 'GET', path, token: stack.tokens[caller] });
        assertContract(res, `GET ${path}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('file: POST /api/v1/files with any body and content type', async () => {
    const url = stack.service('file').url;
    const boundary = 'fuzzboundary';
    const multipartOf = fc
      .tuple(
        fc.oneof(fc.constant(ticketId), pathSegment.map(decodeSafely)),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.boolean(),
        fc.constantFrom('file', 'ticketId', 'other', '__proto__', ''),
      )
      .map(([ticket, filename, bytes, fieldsFirst, fileField]) => {
        const field = `--${boundary}\r\nContent-Disposition: form-data; name="ticketId"\r\n\r\n${ticket}\r\n`;
        const file = Buffer.concat([
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${filename.replace(/"/g, '')}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
          Buffer.from(bytes),
          Buffer.from('\r\n'),
        ]);
        const parts = fieldsFirst ? [Buffer.from(field), file] : [file, Buffer.from(field)];
        return {
          contentType: `multipart/form-data; boundary=${boundary}`,
          body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
        };
      });
    const garbage = fc
      .tuple(
        fc.constantFrom(
          'multipart/form-data',
          `multipart/form-data; boundary=${boundary}`,
          'multipart/form-data; boundary=',
          'multipart/mixed; boundary=x',
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/octet-stream',
        ),
        fc.oneof(
          fc.uint8Array({ maxLength: 1024 }).map((b) => Buffer.from(b)),
          fc.string().map((s) => Buffer.from(s)),
        ),
      )
      .map(([contentType, body]) => ({ contentType, body }));
    await fc.assert(
      fc.asyncProperty(who, fc.oneof(multipartOf, garbage), async (caller, { contentType, body }) => {
        const res = await send(url, {
          method: 'POST',
          path: '/api/v1/files',
          token: stack.tokens[caller],
          headers: { 'content-type': contentType },
          body,
        });
        assertContract(res, `POST /api/v1/files (${contentType}, ${body.length} bytes)`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('file: GET, GET meta and DELETE /api/v1/files/:id with any id and Range', async () => {
    const url = stack.service('file').url;
    const range = fc.option(
      fc.oneof(
        fc.constantFrom(
          'bytes=0-0',
          'bytes=-1',
          'bytes=5-1',
          'bytes=0-',
          'bytes=a-b',
          'items=0-1',
          'bytes=0-1,2-3',
          'bytes=99999999999999999999-',
        ),
        fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      ),
    );
    const route = fc.constantFrom(
      { method: 'GET', suffix: '' },
      { method: 'GET', suffix: '/meta' },
      { method: 'DELETE', suffix: '' },
    );
    await fc.assert(
      fc.asyncProperty(who, route, pathSegment, range, async (caller, r, id, rangeHeader) => {
        const path = `/api/v1/files/${id}${r.suffix}`;
        const res = await send(url, {
          method: r.method,
          path,
          token: stack.tokens[caller],
          headers: rangeHeader === null ? {} : { range: rangeHeader },
        });
        assertContract(res, `${r.method} ${path} Range: ${rangeHeader}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('any method on any path of every service, with and without a token', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND');
    const path = fc
      .array(pathSegment, { minLength: 1, maxLength: 4 })
      .chain((segments) =>
        fc.constantFrom(
          `/${segments.join('/')}`,
          `/api/v1/${segments.join('/')}`,
          `/api/v1/tickets/${segments.join('/')}`,
          `/api/v1/files/${segments.join('/')}`,
          `/api/v1/chat/${segments.join('/')}`,
          `/metrics/${segments[0]}`,
        ),
      );
    const service = fc.constantFrom('ticket', 'realtime', 'file' as const);
    await fc.assert(
      fc.asyncProperty(service, method, path, fc.option(who), async (name, m, p, caller) => {
        const res = await send(stack.service(name).url, {
          method: m,
          path: p,
          token: caller === null ? undefined : stack.tokens[caller],
          ...(m === 'GET' || m === 'HEAD'
            ? {}
            : { headers: { 'content-type': 'application/json' }, body: '{}' }),
        });
        if (m === 'HEAD') {
          if (res.status >= 500) throw new Error(`${name} HEAD ${p} → ${res.status}`);
          return;
        }
        assertContract(res, `${name} ${m} ${p}`);
      }),
      { numRuns: RUNS * 2, endOnFailure: true },
    );
  });

  it('stays up, within its memory bound, and adds no series per random value', async () => {
    const report: string[] = [];
    for (const name of ['ticket', 'realtime', 'file'] as const) {
      const service = stack.service(name);
      await assertAlive(service);
      const warmed = await scrape(service);
      // Thousands more random requests, with the methods and outcomes the fuzzing above already
      // produced: every series they could add exists by now, so only a leak of a random path or
      // value into a label would add more.
      const paths = fc.sample(
        fc.tuple(
          fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'),
          fc.array(pathSegment, { minLength: 1, maxLength: 3 }),
          queryFor(['limit', 'q', 'x']),
        ),
        { numRuns: SERIES_PROBE_REQUESTS, seed: 42 },
      );
      const prefixes = ['/', '/api/v1/tickets/', '/api/v1/files/', '/api/v1/chat/'];
      // The random values sent that no series had before: a label holding one of them is a leak.
      const probeValues = [
        ...new Set(paths.flatMap(([, segments, query]) => [...segments, ...query.split(/[?&=]/)])),
      ].filter((value) => value.length >= 4 && !warmed.text.includes(value));
      for (let i = 0; i < paths.length; i += 16) {
        await Promise.all(
          paths.slice(i, i + 16).map(([method, segments, query], j) =>
            send(service.url, {
              method,
              path: `${prefixes[(i + j) % prefixes.length]}${segments.join('/')}${query}`,
              token: stack.tokens[WHO[(i + j) % WHO.length] as FuzzWho],
              ...(method === 'GET'
                ? {}
                : { headers: { 'content-type': 'application/json' }, body: '{"x":1}' }),
            }).then((res) => assertContract(res, `${method} ${segments.join('/')}${query}`)),
          ),
        );
      }
      await assertAlive(service);
      const after = await scrape(service);
      const baseline = before[name] as MetricsSnapshot;
      const warmedKeys = seriesKeys(warmed.text);
      const added = [...seriesKeys(after.text)].filter((key) => !warmedKeys.has(key));
      report.push(
        `${name}: rss ${mib(baseline.rssBytes)} → ${mib(warmed.rssBytes)} → ${mib(after.rssBytes)} MiB, ` +
          `series ${baseline.series} → ${warmed.series} (fuzzing) → ${after.series} (+${SERIES_PROBE_REQUESTS} random requests, ` +
          `${added.length} new: ${added.slice(0, 5).join(' ')})`,
      );
      expect(after.rssBytes).toBeLessThan(RSS_BOUND_BYTES);
      expect(warmed.series - baseline.series).toBeLessThanOrEqual(SERIES_GROWTH_BOUND);
      // A leak puts a value of the request into a label: no new series may carry one.
      const leaked = added.filter((key) => probeValues.some((value) => key.includes(value)));
      expect(leaked).toEqual([]);
      // A new combination of closed labels (a method or status first seen now) is possible but
      // rare; more than the bound is named, never passed over.
      expect(added.length <= SERIES_PROBE_GROWTH_BOUND ? [] : added).toEqual([]);
      const handlers = new Set(
        [...seriesKeys(after.text)]
          .map((k) => /handler="([^"]*)"/.exec(k)?.[1])
          .filter((h) => h !== undefined),
      );
      for (const handler of handlers) expect(handler).toMatch(/^(unmatched|\/[\w/:.-]*)$/);
    }
    process.stdout.write(`fuzz-http bounds: ${report.join('; ')}\n`);
  });

  it('bounds the series any HTTP method can add (Node accepts a fixed list)', async () => {
    const service = stack.service('realtime');
    const baseline = await scrape(service);
    for (const method of METHODS.filter((m) => m !== 'CONNECT')) {
      await send(service.url, { method, path: '/no/such/route' }).catch(() => undefined);
    }
    const after = await scrape(service);
    const methodsSeen = new Set(
      [...seriesKeys(after.text)].map((k) => /method="([^"]*)"/.exec(k)?.[1]).filter(Boolean),
    );
    process.stdout.write(
      `fuzz-http methods: ${METHODS.length} methods → realtime series ${baseline.series} → ${after.series}, method label values ${methodsSeen.size}\n`,
    );
    expect(after.series - baseline.series).toBeLessThanOrEqual(METHOD_SERIES_BOUND);
  });
});

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function show(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text === undefined ? String(body) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
