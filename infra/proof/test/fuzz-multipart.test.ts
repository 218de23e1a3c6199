import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { parseExposition, waitFor, type ServiceName } from '@support-center/testing';
import {
  assertAlive,
  assertContract,
  scrape,
  send,
  sendJson,
  startFuzzStack,
  type FuzzStack,
  type FuzzWho,
  type RawResponse,
} from './support/fuzz-stack';

/**
 * Multipart bodies cut short, with bad boundaries, duplicate and missing parts (issue 28, item 1:
 * one truncated upload used to end the file service). Every answer keeps the error contract (never
 * a 5xx), every service's process is alive afterwards, and the file service's
 * `http_requests_total` counts exactly the answers sent, none of them 5xx.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
const SERVICES: ServiceName[] = ['auth', 'ticket', 'realtime', 'file'];
const UPLOAD_ROUTE = '/api/v1/files';
const BOUNDARY = 'fuzzXXboundary';
/** Short, so uploads to unknown tickets are refused quickly; long enough for a stream to fail meanwhile. */
const UNKNOWN_TICKET_WAIT_MS = 300;
const WHO: FuzzWho[] = ['employee', 'other', 'agent', 'admin'];

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  value: Buffer;
}

const ticketIdPart = (ticketId: string): Part => ({ name: 'ticketId', value: Buffer.from(ticketId) });
const filePart = (content = Buffer.from('hello, support\n'), filename = 'notes.txt'): Part => ({
  name: 'file',
  filename,
  contentType: 'text/plain',
  value: content,
});

/** A multipart/form-data body with the given parts, closed unless `close` is false. */
function form(parts: Part[], boundary = BOUNDARY, close = true): Buffer {
  const chunks = parts.flatMap((part) => {
    const disposition =
      `Content-Disposition: form-data; name="${part.name}"` +
      (part.filename === undefined ? '' : `; filename="${part.filename}"`);
    const type = part.contentType ? `\r\nContent-Type: ${part.contentType}` : '';
    return [Buffer.from(`--${boundary}\r\n${disposition}${type}\r\n\r\n`), part.value, Buffer.from('\r\n')];
  });
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

describe('fuzzing multipart bodies', () => {
  let stack: FuzzStack;
  let fileUrl: string;
  /** A ticket of the `employee` caller that the file service has heard of. */
  let ticketId: string;
  /** Requests this suite sent to POST /api/v1/files, by status class. */
  const sent = new Map<string, number>();
  let baseline: Map<string, number>;

  async function upload(body: Buffer, options: { who?: FuzzWho; contentType?: string } = {}) {
    const res = await send(fileUrl, {
      method: 'POST',
      path: UPLOAD_ROUTE,
      token: stack.tokens[options.who ?? 'employee'],
      headers: { 'content-type': options.contentType ?? `multipart/form-data; boundary=${BOUNDARY}` },
      body,
    });
    const status = `${String(res.status)[0]}xx`;
    sent.set(status, (sent.get(status) ?? 0) + 1);
    return res;
  }

  /** `http_requests_total` of POST /api/v1/files by status class, as the file service counts it. */
  async function uploadsCounted(): Promise<Map<string, number>> {
    const families = parseExposition((await scrape(stack.service('file'))).text);
    const counted = new Map<string, number>();
    for (const sample of families.get('http_requests_total')?.samples ?? []) {
      if (sample.labels.handler !== UPLOAD_ROUTE || sample.labels.method !== 'POST') continue;
      counted.set(sample.labels.status as string, sample.value);
    }
    return counted;
  }

  beforeAll(async () => {
    stack = await startFuzzStack(SERVICES, 'fuzz_multipart', {
      envOf: {
        file: { FILE_UNKNOWN_TICKET_WAIT_MS: String(UNKNOWN_TICKET_WAIT_MS) },
        auth: { AUTH_TRUST_PROXY: 'false' },
      },
    });
    fileUrl = stack.service('file').url;
    const created = await sendJson(
      stack.service('ticket').url,
      'POST',
      '/api/v1/tickets',
      { title: 'Scanner jams', description: 'Every second page', category: 'hardware', priority: 'low' },
      stack.tokens.employee,
    );
    expect(created.status).toBe(201);
    ticketId = (JSON.parse(created.text) as { id: string }).id;
    // The file service learns of the ticket from Kafka: upload until it is accepted.
    await waitFor(async () => (await upload(form([ticketIdPart(ticketId), filePart()]))).status === 201, {
      timeoutMs: 30_000,
      intervalMs: 300,
      message: 'the file service to learn of the ticket',
    });
    baseline = await uploadsCounted();
    sent.clear();
  }, 120_000);

  afterAll(async () => {
    const codes = await stack?.stop();
    for (const [name, code] of Object.entries(codes ?? {}))
      if (code !== 0)
        process.stderr.write(
          `${name} exited ${code}:\n${stack
            .service(name as ServiceName)
            .output()
            .slice(-6000)}\n`,
        );
    expect(codes).toEqual({ auth: 0, ticket: 0, realtime: 0, file: 0 });
  });

  it('answers a body cut at every byte with 400 or 422, and the whole body as a whole one', async () => {
    for (const [what, body, complete] of [
      ['own ticket', form([ticketIdPart(ticketId), filePart()]), 201],
      ['unknown ticket', form([ticketIdPart('000000000000000000000000'), filePart()]), 404],
      ['file before ticket id', form([filePart(), ticketIdPart(ticketId)]), 422],
    ] as const) {
      // Up to the end of the closing delimiter's dashes the form is incomplete, whatever follows.
      const lastByteNeeded = body.lastIndexOf(`--${BOUNDARY}--`) + BOUNDARY.length + 4;
      const cuts = Array.from({ length: body.length + 1 }, (_, cut) => cut);
      for (let i = 0; i < cuts.length; i += 8) {
        await Promise.all(
          cuts.slice(i, i + 8).map(async (cut) => {
            const res = await upload(body.subarray(0, cut));
            const label = `${what}, cut at ${cut} of ${body.length}`;
            assertContract(res, label);
            const answer = cut >= lastByteNeeded ? res.status : [400, 422].includes(res.status);
            expect([label, answer]).toEqual([label, cut >= lastByteNeeded ? complete : true]);
          }),
        );
      }
    }
  }, 600_000);

  it('keeps the contract for bad boundaries, duplicate, missing and unexpected parts', async () => {
    const part = fc.oneof(
      fc.constant(ticketIdPart('own')),
      fc.constantFrom('000000000000000000000000', '', 'x'.repeat(65), '../../etc', '$ne').map(ticketIdPart),
      fc
        .tuple(
          fc.constantFrom(
            Buffer.from('hello\n'),
            Buffer.from('%PDF-1.7\n'),
            Buffer.alloc(0),
            Buffer.from('MZ'),
          ),
          fc.constantFrom('a.txt', 'a.pdf', 'a.png', '', '../a.txt', 'a.exe'),
        )
        .map(([content, name]) => filePart(content, name)),
      fc
        .record({
          name: fc.constantFrom('file', 'ticketId', 'other', '__proto__', '', 'x'.repeat(100)),
          filename: fc.option(
            fc.string({ maxLength: 20 }).map((s) => s.replace(/["\r\n]/g, '')),
            {
              nil: undefined,
            },
          ),
          value: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        })
        .map((p): Part => p),
    );
    const contentType = fc.constantFrom(
      `multipart/form-data; boundary=${BOUNDARY}`,
      `multipart/form-data; boundary="${BOUNDARY}"`,
      'multipart/form-data; boundary=other',
      'multipart/form-data; boundary=',
      'multipart/form-data',
      `multipart/form-data; boundary=${'b'.repeat(200)}`,
      `multipart/form-data; boundary=${BOUNDARY}; boundary=other`,
      `multipart/mixed; boundary=${BOUNDARY}`,
      `multipart/form-data; charset=utf-16; boundary=${BOUNDARY}`,
    );
    const bodyOf = fc
      .record({
        parts: fc.array(part, { maxLength: 6 }),
        boundary: fc.constantFrom(BOUNDARY, 'other', `${BOUNDARY}x`, ''),
        close: fc.boolean(),
        cut: fc.option(fc.nat(), { nil: undefined }),
        junk: fc.option(
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
          { nil: undefined },
        ),
      })
      .map(({ parts, boundary, close, cut, junk }) => {
        const own = parts.map((p) =>
          p.name === 'ticketId' && String(p.value) === 'own' ? ticketIdPart(ticketId) : p,
        );
        const whole = Buffer.concat([junk ?? Buffer.alloc(0), form(own, boundary, close)]);
        return cut === undefined ? whole : whole.subarray(0, cut % (whole.length + 1));
      });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WHO), contentType, bodyOf, async (who, type, body) => {
        const res = await upload(body, { who, contentType: type });
        assertContract(res, `${who} POST ${UPLOAD_ROUTE} (${type}, ${body.length} bytes)`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 600_000);

  it('refuses a second file, a second ticket id naming a foreign ticket, and forms without a part', async () => {
    const twoFiles = await upload(form([ticketIdPart(ticketId), filePart(), filePart()]));
    expect(twoFiles.status).toBe(422);
    // Another employee's upload naming the ticket twice still meets the access check.
    const twice = await upload(
      form([ticketIdPart('000000000000000000000000'), ticketIdPart(ticketId), filePart()]),
      {
        who: 'other',
      },
    );
    expect(errorOf(twice)).toEqual({ status: 404, code: 'NOT_FOUND' });
    for (const parts of [[], [ticketIdPart(ticketId)], [filePart()]]) {
      const res = await upload(form(parts));
      assertContract(res, `form of ${parts.length} parts`);
      expect(res.status).toBe(422);
    }
  });

  it('sends the same bodies to the other services, which answer within the contract', async () => {
    const targets: [ServiceName, string][] = [
      ['auth', '/api/v1/auth/login'],
      ['ticket', '/api/v1/tickets'],
      ['realtime', `/api/v1/chat/${ticketId}/messages`],
    ];
    const full = form([ticketIdPart(ticketId), filePart()]);
    for (const [name, path] of targets)
      for (let cut = 0; cut <= full.length; cut += 7) {
        const res = await send(stack.service(name).url, {
          method: 'POST',
          path,
          token: stack.tokens.employee,
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
          body: full.subarray(0, cut),
        });
        assertContract(res, `${name} POST ${path}, cut at ${cut}`);
      }
  });

  it('keeps every process alive, and counts every answer in http_requests_total, no 5xx', async () => {
    for (const name of SERVICES) await assertAlive(stack.service(name));
    const counted = await uploadsCounted();
    const delta = Object.fromEntries(
      [...new Set([...counted.keys(), ...sent.keys()])].map((status) => [
        status,
        (counted.get(status) ?? 0) - (baseline.get(status) ?? 0),
      ]),
    );
    const expected = Object.fromEntries(sent);
    process.stdout.write(
      `fuzz-multipart: answers sent ${JSON.stringify(expected)}, counted ${JSON.stringify(delta)}\n`,
    );
    expect(delta).toEqual(expected);
    expect(sent.get('5xx') ?? 0).toBe(0);
  });

  it('survives clients that leave in the middle of a file part', async () => {
    const body = form([ticketIdPart(ticketId), filePart(Buffer.alloc(64 * 1024, 'a'))]);
    const unknown = form([ticketIdPart('000000000000000000000000'), filePart(Buffer.alloc(64 * 1024, 'a'))]);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => abandon(i % 2 === 0 ? body : unknown, 200 + i * 97)),
    );
    for (const name of SERVICES) await assertAlive(stack.service(name));
    expect((await upload(form([ticketIdPart(ticketId), filePart()]))).status).toBe(201);
  });

  /** Sends the first `bytes` of a body announced whole, then closes the connection. */
  function abandon(body: Buffer, bytes: number): Promise<void> {
    const url = new URL(fileUrl);
    return new Promise((resolve) => {
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: UPLOAD_ROUTE,
        headers: {
          authorization: `Bearer ${stack.tokens.employee}`,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': String(body.length),
        },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(body.subarray(0, bytes), () => setImmediate(() => req.destroy()));
    });
  }
});

function errorOf(res: RawResponse): { status: number; code: unknown } {
  return { status: res.status, code: (JSON.parse(res.text) as { error?: { code?: unknown } }).error?.code };
}
