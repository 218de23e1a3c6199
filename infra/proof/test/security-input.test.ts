import net from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startTestIssuer, type TestIssuer } from '@support-center/testing';
import { anyJson } from './support/fuzz-arbitraries';
import {
  assertAlive,
  assertContract,
  FUZZ_USERS,
  send,
  sendJson,
  startFuzzStack,
  type FuzzStack,
  type RawResponse,
} from './support/fuzz-stack';
import { invalidTokens } from './support/fuzz-tokens';

/**
 * Specific bad input (issue 22): malformed JSON, bodies over the limit, wrong content types and
 * invalid access tokens, against ticket, realtime and file as real processes.
 */

const FILE_MAX_BYTES = 64 * 1024;

/** One authenticated read per service, where a token is checked. */
const PROTECTED = {
  ticket: '/api/v1/tickets',
  realtime: '/api/v1/chat/000000000000000000000000/messages',
  file: '/api/v1/files/00000000-0000-0000-0000-000000000000/meta',
} as const;

/** One JSON write per service (file has none: its upload is multipart). */
const JSON_WRITES = { ticket: '/api/v1/tickets' } as const;

function expectError(res: RawResponse, status: number, code?: string) {
  assertContract(res, `expected ${status}`);
  expect(res.status).toBe(status);
  if (code) expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe(code);
}

describe('bad input on the HTTP and WebSocket surfaces', () => {
  let stack: FuzzStack;
  let otherIssuer: TestIssuer;

  beforeAll(async () => {
    stack = await startFuzzStack(['ticket', 'realtime', 'file'], 'sec_input', {
      envOf: { file: { FILE_MAX_BYTES: String(FILE_MAX_BYTES) } },
    });
    otherIssuer = await startTestIssuer();
  }, 120_000);

  afterAll(async () => {
    await otherIssuer?.close();
    expect(await stack?.stop()).toEqual({ ticket: 0, realtime: 0, file: 0 });
  });

  describe('malformed JSON', () => {
    const broken = [
      '{',
      '{"title":',
      '{"title": "a",}',
      "{'title': 'a'}",
      '{"a":1}{"b":2}',
      'nul',
      '\u0000',
      '[',
      '{"a":"\\x"}',
    ];
    it.each(broken)('answers %j with 400 INVALID_JSON', async (body) => {
      const res = await sendJson(
        stack.service('ticket').url,
        'POST',
        JSON_WRITES.ticket,
        body,
        stack.tokens.employee,
      );
      expectError(res, 400, 'INVALID_JSON');
    });

    it('answers deeply nested JSON without a 5xx', async () => {
      const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      const res = await sendJson(
        stack.service('ticket').url,
        'POST',
        JSON_WRITES.ticket,
        deep,
        stack.tokens.employee,
      );
      assertContract(res, 'deeply nested array');
      expect(res.status).toBeGreaterThanOrEqual(400);
    });
  });

  describe('bodies over the limit', () => {
    it('answers a JSON body over JSON_BODY_LIMIT (100kb) with 413 on every service', async () => {
      const huge = JSON.stringify({
        title: 'x',
        description: 'y'.repeat(200 * 1024),
        category: 'hardware',
        priority: 'low',
      });
      for (const name of ['ticket', 'realtime', 'file'] as const) {
        const res = await sendJson(
          stack.service(name).url,
          'POST',
          '/api/v1/tickets',
          huge,
          stack.tokens.employee,
        );
        expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      }
    });

    it('answers a 5 MB body with 413 and keeps the connection pool usable', async () => {
      // Written as a client would stream it, stopping once the answer arrives: the 413 must come,
      // whether or not the server reads the rest (a reset before any answer fails the test).
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await streamBody(stack.service('ticket').url, {
          path: JSON_WRITES.ticket,
          token: stack.tokens.employee,
          contentType: 'application/json',
          body: Buffer.alloc(5 * 1024 * 1024, 0x20),
        });
        expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      }
      await assertAlive(stack.service('ticket'));
      // The keep-alive pool still serves requests after the refused uploads.
      const after = await send(stack.service('ticket').url, {
        method: 'GET',
        path: PROTECTED.ticket,
        token: stack.tokens.employee,
      });
      expect(after.status).toBe(200);
    });

    it('answers an upload over FILE_MAX_BYTES with 413', async () => {
      const ticket = await sendJson(
        stack.service('ticket').url,
        'POST',
        '/api/v1/tickets',
        { title: 'Big file', description: 'd', category: 'hardware', priority: 'low' },
        stack.tokens.employee,
      );
      const ticketId = (JSON.parse(ticket.text) as { id: string }).id;
      const boundary = 'bigboundary';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="ticketId"\r\n\r\n${ticketId}\r\n`,
        ),
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
        ),
        Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1'),
        Buffer.alloc(FILE_MAX_BYTES * 2, 0x20),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      // The file service learns of the ticket from Kafka; until then the answer is a 403 or 404.
      let res: RawResponse | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        res = await send(stack.service('file').url, {
          method: 'POST',
          path: '/api/v1/files',
          token: stack.tokens.employee,
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          body,
        });
        assertContract(res, 'upload over the limit');
        if (res.status === 413) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expectError(res as RawResponse, 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('wrong content types', () => {
    const cases: [string, string][] = [
      ['text/plain', '{"title":"a","description":"b","category":"hardware","priority":"low"}'],
      ['application/x-www-form-urlencoded', 'title=a&description=b&category=hardware&priority=low'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\na\r\n--x--\r\n',
      ],
      ['application/xml', '<ticket><title>a</title></ticket>'],
      ['application/json; charset=utf-16', '{"title":"a"}'],
      ['application/json; charset=klingon', '{"title":"a"}'],
    ];
    it.each(cases)('answers %s on a JSON write with a 4xx in the error contract', async (type, body) => {
      const res = await send(stack.service('ticket').url, {
        method: 'POST',
        path: JSON_WRITES.ticket,
        token: stack.tokens.employee,
        headers: { 'content-type': type },
        body,
      });
      assertContract(res, `POST as ${type}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
    });

    it.each(['gzip', 'deflate', 'br', 'x-unknown'])(
      'answers a body claiming Content-Encoding %s with a 4xx',
      async (encoding) => {
        const res = await send(stack.service('ticket').url, {
          method: 'POST',
          path: JSON_WRITES.ticket,
          token: stack.tokens.employee,
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: 'not compressed at all',
        });
        assertContract(res, `POST with Content-Encoding ${encoding}`);
        expect(res.status).toBeGreaterThanOrEqual(400);
      },
    );
  });

  describe('invalid access tokens', () => {
    let tokens: Record<string, string>;
    beforeAll(async () => {
      tokens = await invalidTokens(stack.issuer, otherIssuer, FUZZ_USERS.employee);
    });

    it('are refused with 401 by every service', async () => {
      const failures: string[] = [];
      for (const [name, token] of Object.entries(tokens)) {
        for (const [service, path] of Object.entries(PROTECTED) as [keyof typeof PROTECTED, string][]) {
          const res = await send(stack.service(service).url, { method: 'GET', path, token });
          assertContract(res, `${service} with ${name}`);
          if (res.status !== 401) failures.push(`${service} answered ${res.status} to ${name}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('are refused with close code 4401 on /chat and /ws/notifications', async () => {
      const realtime = stack.service('realtime').url.replace('http', 'ws');
      const failures: string[] = [];
      for (const [name, token] of Object.entries(tokens)) {
        for (const endpoint of ['/chat', '/ws/notifications']) {
          const code = await closeCodeOf(`${realtime}${endpoint}?token=${encodeURIComponent(token)}`);
          if (code !== 4401) failures.push(`${endpoint} closed ${code} for ${name}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('random header and payload JSON under a real signature is a 401, never a 5xx', async () => {
      const valid = await stack.issuer.token(FUZZ_USERS.employee);
      const signature = valid.split('.')[2] ?? '';
      // Kept under Node's 16 KiB header limit, past which Node itself answers 431 before any service code runs.
      const part = anyJson
        .map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url'))
        .filter((p) => p.length < 4000);
      await fc.assert(
        fc.asyncProperty(
          part,
          part,
          fc.constantFrom('ticket', 'realtime', 'file' as const),
          async (h, p, service) => {
            const token = `${h}.${p}.${signature}`;
            const res = await send(stack.service(service).url, {
              method: 'GET',
              path: PROTECTED[service],
              token,
            });
            assertContract(res, `${service} with token ${token.slice(0, 200)}`);
            if (res.status !== 401)
              throw new Error(`${service} answered ${res.status} to ${token.slice(0, 200)}`);
          },
        ),
        { numRuns: 150, endOnFailure: true },
      );
    });

    it('a valid token still works afterwards', async () => {
      const res = await send(stack.service('ticket').url, {
        method: 'GET',
        path: PROTECTED.ticket,
        token: stack.tokens.employee,
      });
      expect(res.status).toBe(200);
    });
  });
});

/** Opens a socket and resolves with the code it is closed with (or -1 when the upgrade failed). */
function closeCodeOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(-2);
    }, 10_000);
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    ws.on('error', () => {
      clearTimeout(timer);
      resolve(-1);
    });
  });
}

/**
 * POSTs `body` over a socket of its own in 64 KiB writes, and stops writing as soon as an answer
 * arrives (as browsers and curl do); resolves with that answer, or rejects if the connection
 * ends without one.
 */
function streamBody(
  baseUrl: string,
  req: { path: string; token: string; contentType: string; body: Buffer },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      chunks.push(chunk);
    });
    socket.on('error', (error) => {
      if (!answered) reject(new Error(`no answer before the connection failed: ${error.message}`));
    });
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no complete answer: ${JSON.stringify(raw.slice(0, 200))}`));
      const [statusLine = '', ...headerLines] = raw.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = Buffer.from(raw.slice(split + 4), 'latin1');
      const length = Number(headers['content-length'] ?? body.length);
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        text: body.subarray(0, length).toString('utf8'),
      });
    });
    socket.on('connect', async () => {
      socket.write(
        `POST ${req.path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${req.token}\r\n` +
          `Content-Type: ${req.contentType}\r\nContent-Length: ${req.body.length}\r\nConnection: close\r\n\r\n`,
      );
      for (let offset = 0; offset < req.body.length && !answered && !socket.destroyed; offset += 64 * 1024) {
        const more = socket.write(req.body.subarray(offset, offset + 64 * 1024));
        if (!more) await new Promise((drained) => socket.once('drain', drained).once('close', drained));
      }
      socket.end();
    });
  });
}
