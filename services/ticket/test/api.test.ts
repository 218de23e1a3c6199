import { createEvent, TOPICS, type CloudEvent } from '@support-center/events';
import { testNamespace, waitFor } from '@support-center/testing';
import type { Consumer } from 'kafkajs';
import { STATUSES, type Status } from '../src/domain/ticket';
import { newTicket, startHarness, USERS, userCreated, type Harness, type Who } from './support';

const ns = testNamespace('ticket api');
const BASE = '/api/v1/tickets';

describe('ticket API', () => {
  let h: Harness;
  let collector: Consumer;
  const published: CloudEvent[] = [];

  beforeAll(async () => {
    h = await startHarness(ns);
    collector = h.kafka.consumer({ groupId: ns.group('collector') });
    await collector.connect();
    await collector.subscribe({ topic: ns.topic(TOPICS.tickets), fromBeginning: true });
    await collector.run({
      eachMessage: async ({ message }) => {
        published.push(JSON.parse(String(message.value)) as CloudEvent);
      },
    });
    for (const user of [USERS.agent, USERS.admin, USERS.employee])
      await h.publish(TOPICS.auth, userCreated(user));
    // The projection is read by assignment: wait until the consumer applied the events.
    await waitFor(
      async () =>
        (await h.as('admin').post(`${BASE}/000000000000000000000000/assign`, { assigneeId: USERS.agent.id }))
          .status === 404,
      { timeoutMs: 30_000, message: 'the auth projection to know the agent' },
    );
  });

  afterAll(async () => {
    await collector?.disconnect();
    await h?.stop();
  });

  const create = async (who: Who = 'employee', overrides: object = {}) => {
    const res = await h.as(who).post(BASE, newTicket(overrides)).expect(201);
    return res.body as { id: string; number: number; status: Status };
  };

  it('runs a whole lifecycle over HTTP and publishes each event on the tickets topic', async () => {
    const ticket = await create('employee');
    expect(ticket).toMatchObject({
      status: 'open',
      requesterId: USERS.employee.id,
      assigneeId: null,
      title: 'Printer on fire',
    });
    expect(ticket.number).toBeGreaterThan(0);

    await h.as('agent').post(`${BASE}/${ticket.id}/assign`, { assigneeId: USERS.agent.id }).expect(200);
    const started = await h
      .as('agent')
      .post(`${BASE}/${ticket.id}/status`, { status: 'in_progress' })
      .expect(200);
    expect(started.body).toMatchObject({ status: 'in_progress', assigneeId: USERS.agent.id });
    await h
      .as('agent')
      .post(`${BASE}/${ticket.id}/comments`, { body: 'Checking the fuser', internal: true })
      .expect(201);
    await h.as('agent').post(`${BASE}/${ticket.id}/comments`, { body: 'On my way' }).expect(201);
    await h.as('employee').post(`${BASE}/${ticket.id}/comments`, { body: 'Thanks' }).expect(201);
    await h.as('agent').patch(`${BASE}/${ticket.id}`, { priority: 'critical' }).expect(200);
    await h.as('agent').post(`${BASE}/${ticket.id}/status`, { status: 'solved' }).expect(200);
    const closed = await h
      .as('employee')
      .post(`${BASE}/${ticket.id}/status`, { status: 'closed' })
      .expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', priority: 'critical', allowedTransitions: [] });
    expect(closed.body.solvedAt).toEqual(expect.any(String));
    expect(closed.body.closedAt).toEqual(expect.any(String));

    // The employee sees public comments only; staff see the internal note too.
    const mine = (await h.as('employee').get(`${BASE}/${ticket.id}`).expect(200)).body;
    expect(mine.comments.map((c: { body: string }) => c.body)).toEqual(['On my way', 'Thanks']);
    expect(mine.history.some((e: { changes: { internal?: boolean } }) => e.changes.internal === true)).toBe(
      false,
    );
    const staff = (await h.as('admin').get(`${BASE}/${ticket.id}`).expect(200)).body;
    expect(staff.comments).toHaveLength(3);
    const actions = staff.history.map((e: { action: string }) => e.action);
    expect(actions).toEqual([
      'created',
      'assigned',
      'status_changed',
      'commented',
      'commented',
      'commented',
      'updated',
      'status_changed',
      'status_changed',
    ]);
    for (const e of staff.history) expect(Date.parse(e.at)).not.toBeNaN();

    const types = [
      'ticket.created',
      'ticket.assigned',
      'ticket.status_changed',
      'ticket.commented',
      'ticket.commented',
      'ticket.commented',
      'ticket.status_changed',
      'ticket.solved',
      'ticket.status_changed',
    ];
    const mineEvents = await waitFor(
      () => {
        const events = published.filter((e) => e.subject === ticket.id);
        return events.length >= types.length ? events : undefined;
      },
      { timeoutMs: 20_000, message: 'the lifecycle events on the tickets topic' },
    );
    expect(mineEvents.map((e) => e.type)).toEqual(types);
    expect(mineEvents[7]?.data).toMatchObject({
      ticketId: ticket.id,
      category: 'hardware',
      priority: 'critical',
    });
  });

  describe('RBAC', () => {
    let ticket: { id: string };
    beforeAll(async () => {
      ticket = await create('employee');
      await h
        .as('agent')
        .post(`${BASE}/${ticket.id}/comments`, { body: 'secret', internal: true })
        .expect(201);
    });

    it.each<[Who, number]>([
      ['employee', 200],
      ['other', 404],
      ['agent', 200],
      ['admin', 200],
    ])('GET a ticket as %s → %d', async (who, status) => {
      await h.as(who).get(`${BASE}/${ticket.id}`).expect(status);
    });

    it.each<[Who, number]>([
      ['employee', 200],
      ['other', 404],
      ['agent', 200],
      ['admin', 200],
    ])('PATCH the title as %s → %d', async (who, status) => {
      await h
        .as(who)
        .patch(`${BASE}/${ticket.id}`, { title: `Renamed by ${who}` })
        .expect(status);
    });

    it.each<[Who, number]>([
      ['employee', 403],
      ['other', 403],
      ['agent', 200],
      ['admin', 200],
    ])('assign as %s → %d', async (who, status) => {
      await h.as(who).post(`${BASE}/${ticket.id}/assign`, { assigneeId: USERS.agent.id }).expect(status);
    });

    it.each<[Who, boolean, number]>([
      ['employee', false, 201],
      ['employee', true, 403],
      ['other', false, 404],
      ['agent', true, 201],
      ['admin', true, 201],
    ])('comment as %s (internal %s) → %d', async (who, internal, status) => {
      await h.as(who).post(`${BASE}/${ticket.id}/comments`, { body: 'hello', internal }).expect(status);
    });

    it.each<[Who, number]>([
      ['employee', 403],
      ['other', 404],
    ])('a status change staff make (open → in_progress) as %s → %d', async (who, status) => {
      await h.as(who).post(`${BASE}/${ticket.id}/status`, { status: 'in_progress' }).expect(status);
    });

    it('lets an employee change priority only as staff would: 403 naming the field', async () => {
      const res = await h.as('employee').patch(`${BASE}/${ticket.id}`, { priority: 'low' }).expect(403);
      expect(res.body.error.details).toEqual([{ field: 'priority', message: expect.any(String) }]);
    });

    it('hides internal notes from the requester, shows them to staff', async () => {
      const mine = (await h.as('employee').get(`${BASE}/${ticket.id}`)).body;
      expect(mine.comments.every((c: { internal: boolean }) => !c.internal)).toBe(true);
      const staff = (await h.as('agent').get(`${BASE}/${ticket.id}`)).body;
      expect(staff.comments.some((c: { internal: boolean }) => c.internal)).toBe(true);
    });

    it('lists only their own tickets to employees, every ticket to staff', async () => {
      const foreign = await create('other');
      // Asking for another requester's tickets still lists the employee's own, never theirs.
      const mine = (await h.as('employee').get(`${BASE}?limit=100&requesterId=${USERS.other.id}`).expect(200))
        .body;
      const mineIds = mine.items.map((t: { id: string }) => t.id);
      expect(mineIds).toContain(ticket.id);
      expect(mineIds).not.toContain(foreign.id);
      expect(mine.items.every((t: { requesterId: string }) => t.requesterId === USERS.employee.id)).toBe(
        true,
      );
      const all = (await h.as('agent').get(`${BASE}?limit=100`).expect(200)).body;
      expect(all.items.map((t: { id: string }) => t.id)).toEqual(
        expect.arrayContaining([ticket.id, foreign.id]),
      );
    });

    it('refuses requests without a valid token', async () => {
      await h.as('employee').get(BASE).set('Authorization', 'Bearer nope').expect(401);
      const res = await h.as('employee').get(BASE).unset('Authorization').expect(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    });
  });

  describe('state machine', () => {
    /** A ticket brought to `status` along allowed transitions. */
    const PATHS: Record<Status, Status[]> = {
      open: [],
      in_progress: ['in_progress'],
      pending: ['pending'],
      solved: ['solved'],
      closed: ['solved', 'closed'],
    };
    const ticketIn = async (status: Status) => {
      const ticket = await create('employee');
      for (const step of PATHS[status])
        await h.as('agent').post(`${BASE}/${ticket.id}/status`, { status: step }).expect(200);
      return ticket.id;
    };

    // The state machine as the README documents it, written out here rather than read from the
    // module under test, so a change to the code that the documentation does not share fails.
    const DOCUMENTED: Record<Status, Status[]> = {
      open: ['in_progress', 'pending', 'solved'],
      in_progress: ['open', 'pending', 'solved'],
      pending: ['in_progress', 'solved'],
      solved: ['in_progress', 'closed'],
      closed: [],
    };
    const allowed = STATUSES.flatMap((from) => DOCUMENTED[from].map((to) => [from, to] as const));
    const refused = STATUSES.flatMap((from) =>
      STATUSES.filter((to) => !DOCUMENTED[from].includes(to)).map((to) => [from, to] as const),
    );
    it.each(allowed)('allows %s → %s', async (from, to) => {
      const id = await ticketIn(from);
      const res = await h.as('agent').post(`${BASE}/${id}/status`, { status: to }).expect(200);
      expect(res.body.status).toBe(to);
    });

    it.each(refused)('answers %s → %s with 409 naming the allowed transitions', async (from, to) => {
      const id = await ticketIn(from);
      const res = await h.as('admin').post(`${BASE}/${id}/status`, { status: to }).expect(409);
      expect(res.body.error.code).toBe('CONFLICT');
      expect(res.body.error.details.allowedTransitions).toEqual(DOCUMENTED[from]);
      for (const name of DOCUMENTED[from]) expect(res.body.error.message).toContain(name);
      expect(res.body.error.message).toMatch(
        /^[aeiou]/.test(from) ? `An ${from} ticket` : `A ${from} ticket`,
      );
    });

    it('names the status with the right article when an employee may not move it', async () => {
      const open = await create('employee');
      const refused = await h.as('employee').post(`${BASE}/${open.id}/status`, { status: 'in_progress' });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe(
        'Only agents and admins may move an open ticket to in_progress',
      );
      const id = await ticketIn('in_progress');
      const again = await h.as('employee').post(`${BASE}/${id}/status`, { status: 'pending' });
      expect(again.body.error.message).toBe(
        'Only agents and admins may move an in_progress ticket to pending',
      );
    });

    it('keeps the status when a ticket is assigned or unassigned', async () => {
      const id = await ticketIn('pending');
      const assigned = await h
        .as('agent')
        .post(`${BASE}/${id}/assign`, { assigneeId: USERS.admin.id })
        .expect(200);
      expect(assigned.body).toMatchObject({ status: 'pending', assigneeId: USERS.admin.id });
      const unassigned = await h.as('agent').post(`${BASE}/${id}/assign`, { assigneeId: null }).expect(200);
      expect(unassigned.body).toMatchObject({ status: 'pending', assigneeId: null });
    });
  });

  it('pages without duplicates or gaps while tickets are created concurrently', async () => {
    const tag = `page-${Date.now()}`;
    for (let i = 0; i < 12; i += 1) await create('agent', { title: `${tag} ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const query: string = `${BASE}?q=${encodeURIComponent(tag)}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      // Insert while paging: the new tickets sort before the cursor and never shift later pages.
      const [page] = await Promise.all([
        h.as('agent').get(query).expect(200),
        create('agent', { title: `${tag} late ${inserted++}` }),
        create('agent', { title: `${tag} late ${inserted++}` }),
      ]);
      seen.push(...page.body.items.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = (
      await h
        .as('agent')
        .get(`${BASE}?q=${encodeURIComponent(tag)}&limit=100&sort=number`)
        .expect(200)
    ).body;
    const firstPage = await h.as('agent').get(`${BASE}?q=${encodeURIComponent(tag)}&limit=100`);
    expect(firstPage.body.items).toHaveLength(12 + inserted);
    // Everything that existed when paging began was seen exactly once, newest first, with no gap.
    const before = all.items
      .filter((t: { title: string }) => !t.title.includes('late'))
      .map((t: { id: string }) => t.id);
    expect(seen.filter((id) => before.includes(id))).toEqual([...before].reverse());
  });

  it('numbers 50 tickets created at once consecutively, each number once', async () => {
    const tickets = await Promise.all(Array.from({ length: 50 }, () => create('employee')));
    const numbers = tickets.map((t) => t.number).sort((a, b) => a - b);
    // Nothing else creates tickets meanwhile: the burst takes one run of numbers, with no gap.
    const first = numbers[0] as number;
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => first + i));
  });

  it('searches the title case-insensitively and literally', async () => {
    await create('agent', { title: 'VPN (a+b)* broken' });
    const hit = (
      await h
        .as('agent')
        .get(`${BASE}?q=${encodeURIComponent('vpn (A+B)*')}`)
        .expect(200)
    ).body;
    expect(hit.items.map((t: { title: string }) => t.title)).toContain('VPN (a+b)* broken');
    const none = (
      await h
        .as('agent')
        .get(`${BASE}?q=${encodeURIComponent('.*')}`)
        .expect(200)
    ).body;
    expect(none.items).toEqual([]);
  });

  it('filters by status, priority, category, assignee and requester', async () => {
    const t = await create('employee', { category: 'network', priority: 'low' });
    await h.as('agent').post(`${BASE}/${t.id}/assign`, { assigneeId: USERS.admin.id }).expect(200);
    const res = (
      await h
        .as('agent')
        .get(
          `${BASE}?status=open,pending&priority=low&category=network&assigneeId=${USERS.admin.id}&requesterId=${USERS.employee.id}`,
        )
        .expect(200)
    ).body;
    expect(res.items.map((i: { id: string }) => i.id)).toEqual([t.id]);
  });

  it.each<[string, string, object | undefined, number, string]>([
    ['POST', BASE, { title: '', description: 'x', category: 'hardware', priority: 'low' }, 422, 'title'],
    ['POST', BASE, { title: 'x', description: 'x', category: 'kitchen', priority: 'low' }, 422, 'category'],
    [
      'POST',
      BASE,
      { title: 'x', description: 'x', category: 'other', priority: 'low', status: 'closed' },
      422,
      'status',
    ],
    ['POST', BASE, undefined, 422, 'title'],
    ['GET', `${BASE}?limit=1000`, undefined, 422, 'limit'],
    ['GET', `${BASE}?status=lost`, undefined, 422, 'status'],
    ['GET', `${BASE}?sort=title`, undefined, 422, 'sort'],
    ['GET', `${BASE}?cursor=garbage`, undefined, 400, 'cursor'],
  ])('answers bad input: %s %s, with %s naming %s', async (method, path, body, status, field) => {
    const call = method === 'POST' ? h.as('agent').post(path, body) : h.as('agent').get(path);
    const res = await call.expect(status);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('answers bad ids, bodies and assignees with 4xx, never 500', async () => {
    const t = await create('agent');
    await h.as('agent').get(`${BASE}/not-an-id`).expect(404);
    await h
      .as('agent')
      .get(`${BASE}/${'f'.repeat(24)}`)
      .expect(404);
    await h.as('agent').get(`${BASE}/%7B%22%24ne%22%3A1%7D`).expect(404);
    await h.as('agent').post(`${BASE}/${t.id}/status`, { status: 'done' }).expect(422);
    await h.as('agent').post(`${BASE}/${t.id}/status`, ['solved']).expect(422);
    const bad = await h
      .as('agent')
      .post(`${BASE}/${t.id}/assign`, { assigneeId: USERS.employee.id })
      .expect(422);
    expect(bad.body.error.details).toEqual([{ field: 'assigneeId', message: expect.any(String) }]);
    // The assignee and the ticket are read side by side; a request with both wrong gets the
    // assignee's answer, whichever read ends first.
    const both = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.as('agent').post(`${BASE}/${'f'.repeat(24)}/assign`, { assigneeId: USERS.employee.id }),
      ),
    );
    expect(both.map((res) => res.status)).toEqual(Array(20).fill(422));
    await h
      .as('agent')
      .post(`${BASE}/${t.id}/assign`, { assigneeId: { $ne: null } })
      .expect(422);
    await h.as('agent').patch(`${BASE}/${t.id}`, {}).expect(422);
    const json = await h
      .as('agent')
      .post(BASE)
      .set('Content-Type', 'application/json')
      .send('{"title":')
      .expect(400);
    expect(json.body.error.code).toBe('INVALID_JSON');
  });

  it('answers a body that is not JSON with 415 on every JSON write, before validating it', async () => {
    const t = await create('agent');
    const writes: ['post' | 'patch', string][] = [
      ['post', BASE],
      ['patch', `${BASE}/${t.id}`],
      ['post', `${BASE}/${t.id}/assign`],
      ['post', `${BASE}/${t.id}/status`],
      ['post', `${BASE}/${t.id}/comments`],
    ];
    const bodies: [string, string][] = [
      ['text/plain', JSON.stringify(newTicket())],
      ['application/x-www-form-urlencoded', 'title=a&description=b'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\na\r\n--x--\r\n',
      ],
      ['application/xml', '<ticket/>'],
    ];
    for (const [method, path] of writes)
      for (const [type, body] of bodies) {
        const res = await h.as('agent')[method](path).set('Content-Type', type).send(body);
        expect({ method, path, type, status: res.status, code: res.body.error?.code }).toEqual({
          method,
          path,
          type,
          status: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
  });

  it('links uploaded files to their ticket, applying a duplicated event once', async () => {
    const t = await create('employee');
    const uploaded = createEvent(
      'file.uploaded',
      {
        fileId: 'file-1',
        ticketId: t.id,
        name: 'screenshot.png',
        size: 1234,
        contentType: 'image/png',
        sha256: 'a'.repeat(64),
        uploaderId: USERS.employee.id,
      },
      { source: '/support-center/file' },
    );
    // Read once so the cache holds the ticket: the event must invalidate it.
    await h.as('employee').get(`${BASE}/${t.id}`).expect(200);
    await h.publish(TOPICS.files, uploaded);
    await h.publish(TOPICS.files, uploaded);
    const marker = createEvent(
      'file.uploaded',
      { ...uploaded.data, fileId: 'file-2', name: 'log.txt', contentType: 'text/plain' },
      { source: '/support-center/file' },
    );
    await h.publish(TOPICS.files, marker);
    const ticket = await waitFor(
      async () => {
        const body = (await h.as('employee').get(`${BASE}/${t.id}`)).body;
        return body.attachments.length >= 2 ? body : undefined;
      },
      { timeoutMs: 20_000, message: 'the attachments to appear' },
    );
    expect(ticket.attachments.map((a: { fileId: string }) => a.fileId)).toEqual(['file-1', 'file-2']);
    expect(ticket.history.filter((e: { action: string }) => e.action === 'attachment_added')).toHaveLength(2);

    await h.publish(
      TOPICS.files,
      createEvent(
        'file.deleted',
        { fileId: 'file-1', ticketId: t.id, deletedBy: USERS.employee.id },
        { source: '/support-center/file' },
      ),
    );
    await waitFor(async () => (await h.as('employee').get(`${BASE}/${t.id}`)).body.attachments.length === 1, {
      timeoutMs: 20_000,
      message: 'the deleted attachment to disappear',
    });
  });

  it('serves an OpenAPI document generated from the schemas', async () => {
    const res = await h.as('agent').get('/api/v1/openapi.json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const create = res.body.paths['/api/v1/tickets'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['title', 'description', 'category', 'priority']));
    expect(create.properties.category.enum).toEqual(['hardware', 'software', 'network', 'access', 'other']);
  });
});
