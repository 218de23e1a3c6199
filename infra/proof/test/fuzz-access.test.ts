import fc from 'fast-check';
import { waitFor } from '@support-center/testing';
import { queryFor } from './support/fuzz-arbitraries';
import {
  assertContract,
  FUZZ_USERS,
  send,
  sendJson,
  startFuzzStack,
  type FuzzStack,
  type FuzzWho,
  type RawResponse,
} from './support/fuzz-stack';

/**
 * Access rules under fuzzing (issue 30): the other fuzzers check that bad input gets a well-formed
 * 4xx; this one checks that a 2xx never breaks an access rule. A random caller asks, by every read
 * route and with the ids spelled in every way a router might still match, for the tickets, files
 * and chat rooms of two employees: a 2xx to an employee for the other employee's resource, or a
 * list holding one, is a leak. Staff read everything, and each owner's reads must succeed, so the
 * property cannot pass by refusing everyone.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
const OWNERS = ['employee', 'other'] as const;
type Owner = (typeof OWNERS)[number];
const CALLERS: FuzzWho[] = ['employee', 'other', 'agent', 'admin'];

interface Resources {
  ticketId: string;
  fileId: string;
}

/** May `caller` read what `owner` requested or uploaded? Staff always; an employee only their own. */
function mayRead(caller: FuzzWho, owner: Owner): boolean {
  return caller === 'agent' || caller === 'admin' || caller === owner;
}

/** Ways of writing an id in a path that a lax router or a case-insensitive lookup might still match. */
const spelled = (id: string) =>
  fc.constantFrom(id, `${id}/`, id.toUpperCase(), `${id}%20`, encodeURIComponent(id), `./${id}`, `${id}?x=1`);

describe('fuzzing access rules: a 2xx never shows another employee’s ticket, file or room', () => {
  let stack: FuzzStack;
  const owned = {} as Record<Owner, Resources>;
  const seen = { allowed2xx: 0, refused: 0 };

  beforeAll(async () => {
    stack = await startFuzzStack(['ticket', 'realtime', 'file'], 'fuzz_access');
    for (const owner of OWNERS) {
      const created = await sendJson(
        stack.service('ticket').url,
        'POST',
        '/api/v1/tickets',
        { title: `${owner}'s printer`, description: 'Jammed', category: 'hardware', priority: 'low' },
        stack.tokens[owner],
      );
      expect(created.status).toBe(201);
      const ticketId = (JSON.parse(created.text) as { id: string }).id;
      // The file service learns of the ticket from Kafka: until then the upload is a 404.
      const uploaded = await waitFor(
        async () => {
          const res = await upload(stack, owner, ticketId);
          return res.status === 201 ? res : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, message: `${owner}'s upload to be accepted` },
      );
      owned[owner] = { ticketId, fileId: (JSON.parse(uploaded.text) as { id: string }).id };
      // Realtime too: its history answers the requester once it has the ticket.
      await waitFor(
        async () =>
          (
            await send(stack.service('realtime').url, {
              method: 'GET',
              path: `/api/v1/chat/${ticketId}/messages`,
              token: stack.tokens[owner],
            })
          ).status === 200,
        { timeoutMs: 60_000, intervalMs: 250, message: `realtime to know ${owner}'s ticket` },
      );
    }
  }, 180_000);

  afterAll(async () => {
    expect(await stack?.stop()).toEqual({ ticket: 0, realtime: 0, file: 0 });
  });

  const reads = (r: Resources) =>
    fc.oneof(
      spelled(r.ticketId).map((id) => ({ service: 'ticket' as const, path: `/api/v1/tickets/${id}` })),
      spelled(r.fileId).map((id) => ({ service: 'file' as const, path: `/api/v1/files/${id}` })),
      spelled(r.fileId).map((id) => ({ service: 'file' as const, path: `/api/v1/files/${id}/meta` })),
      fc
        .tuple(spelled(r.ticketId), queryFor(['afterSeq', 'limit']))
        .map(([id, q]) => ({ service: 'realtime' as const, path: `/api/v1/chat/${id}/messages${q}` })),
    );

  it('reads by id: a 2xx only to the owner or staff', async () => {
    const request = fc
      .constantFrom(...OWNERS)
      .chain((owner) => fc.tuple(fc.constant(owner), reads(owned[owner])));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CALLERS), request, async (caller, [owner, r]) => {
        const res = await send(stack.service(r.service).url, {
          method: 'GET',
          path: r.path,
          token: stack.tokens[caller],
        });
        assertContract(res, `${caller} GET ${r.path}`);
        const ok = res.status >= 200 && res.status < 300;
        if (ok && !mayRead(caller, owner))
          throw new Error(`${caller} read ${owner}'s ${r.service} resource: GET ${r.path} → ${res.status}`);
        if (ok) seen.allowed2xx++;
        else seen.refused++;
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // Both outcomes happened: the property saw allowed reads, not only refusals.
    expect(seen.allowed2xx).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('the owner and staff do read each resource by its plain id (the rule is not met by refusing all)', async () => {
    const failures: string[] = [];
    for (const owner of OWNERS) {
      const { ticketId, fileId } = owned[owner];
      for (const caller of CALLERS) {
        for (const [service, path] of [
          ['ticket', `/api/v1/tickets/${ticketId}`],
          ['file', `/api/v1/files/${fileId}/meta`],
          ['realtime', `/api/v1/chat/${ticketId}/messages`],
        ] as const) {
          const res = await send(stack.service(service).url, {
            method: 'GET',
            path,
            token: stack.tokens[caller],
          });
          const expected = mayRead(caller, owner) ? 200 : 404;
          if (res.status !== expected)
            failures.push(`${caller} GET ${path} → ${res.status}, expected ${expected}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('lists: an employee’s ticket list never holds another requester’s ticket, whatever the query', async () => {
    const query = queryFor([
      'status',
      'priority',
      'category',
      'assigneeId',
      'requesterId',
      'q',
      'sort',
      'limit',
    ]);
    const requesterIds = fc.constantFrom(...CALLERS.map((c) => FUZZ_USERS[c].id));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OWNERS),
        fc.oneof(
          query,
          requesterIds.map((id) => `?requesterId=${encodeURIComponent(id)}`),
        ),
        async (caller, q) => {
          const res = await send(stack.service('ticket').url, {
            method: 'GET',
            path: `/api/v1/tickets${q}`,
            token: stack.tokens[caller],
          });
          assertContract(res, `${caller} GET /api/v1/tickets${q}`);
          if (res.status !== 200) return;
          const items = (JSON.parse(res.text) as { items: { id: string; requesterId: string }[] }).items;
          const foreign = items.filter((t) => t.requesterId !== FUZZ_USERS[caller].id);
          if (foreign.length > 0)
            throw new Error(
              `${caller} listed others' tickets with ${q}: ${JSON.stringify(foreign.map((t) => t.id))}`,
            );
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('writes: an employee never comments on, uploads to or deletes from another employee’s ticket', async () => {
    const attempt = fc.constantFrom('comment', 'upload', 'delete file', 'chat history') as fc.Arbitrary<
      'comment' | 'upload' | 'delete file' | 'chat history'
    >;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OWNERS), attempt, async (caller, what) => {
        const victim: Owner = caller === 'employee' ? 'other' : 'employee';
        const { ticketId, fileId } = owned[victim];
        let res: RawResponse;
        if (what === 'comment')
          res = await sendJson(
            stack.service('ticket').url,
            'POST',
            `/api/v1/tickets/${ticketId}/comments`,
            { body: 'planted', internal: false },
            stack.tokens[caller],
          );
        else if (what === 'upload') res = await upload(stack, caller, ticketId);
        else if (what === 'delete file')
          res = await send(stack.service('file').url, {
            method: 'DELETE',
            path: `/api/v1/files/${fileId}`,
            token: stack.tokens[caller],
          });
        else
          res = await send(stack.service('realtime').url, {
            method: 'GET',
            path: `/api/v1/chat/${ticketId}/messages?afterSeq=0`,
            token: stack.tokens[caller],
          });
        assertContract(res, `${caller} ${what} on ${victim}'s ticket`);
        if (res.status < 300) throw new Error(`${caller} could ${what} on ${victim}'s ticket: ${res.status}`);
      }),
      { numRuns: Math.max(20, Math.floor(RUNS / 5)), endOnFailure: true },
    );
    // The victims' resources are intact.
    for (const owner of OWNERS) {
      const meta = await send(stack.service('file').url, {
        method: 'GET',
        path: `/api/v1/files/${owned[owner].fileId}/meta`,
        token: stack.tokens[owner],
      });
      expect(meta.status).toBe(200);
      const ticket = JSON.parse(
        (
          await send(stack.service('ticket').url, {
            method: 'GET',
            path: `/api/v1/tickets/${owned[owner].ticketId}`,
            token: stack.tokens[owner],
          })
        ).text,
      ) as { comments: { body: string }[]; attachments: unknown[] };
      expect(ticket.comments.filter((c) => c.body === 'planted')).toEqual([]);
    }
  });
});

/** A small text file uploaded to `ticketId` as `who`. */
function upload(stack: FuzzStack, who: FuzzWho, ticketId: string): Promise<RawResponse> {
  const boundary = 'accessboundary';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="ticketId"\r\n\r\n${ticketId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="note.txt"\r\n` +
      `Content-Type: text/plain\r\n\r\nThe printer says PC LOAD LETTER.\n\r\n--${boundary}--\r\n`,
  );
  return send(stack.service('file').url, {
    method: 'POST',
    path: '/api/v1/files',
    token: stack.tokens[who],
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
}
