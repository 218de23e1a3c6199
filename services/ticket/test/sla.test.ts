import { outboxWriter, TOPICS, type CloudEvent } from '@support-center/events';
import { parseExposition, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import type { Consumer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { slaWorker, type SlaWorker } from '../src/events/sla-worker';
import type { Ticket } from '../src/domain/ticket';
import { newTicket, startHarness, USERS, userCreated, type Harness } from './support';

const ns = testNamespace('ticket sla');
const BASE = '/api/v1/tickets';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type SlaEvent = CloudEvent<'ticket.sla_warning'> | CloudEvent<'ticket.sla_breached'>;

/**
 * Service levels against the real engines, on a clock the test moves: the service's changes and
 * the worker's passes both read it, so no test waits for a target to run out. Default policy:
 * critical 1 h to the first response and 8 h to the solution, high 4 h and 24 h, medium 8 h and
 * 48 h; warnings at 80 %.
 */
describe('ticket service levels', () => {
  let clock = Date.UTC(2026, 2, 2, 9, 0);
  const now = () => new Date(clock);
  let h: Harness;
  let db: Connection;
  let worker: SlaWorker;
  let collector: Consumer;
  const published: CloudEvent[] = [];

  beforeAll(async () => {
    // The service's own pass is left to the test's worker: an hour is longer than this file runs.
    h = await startHarness(
      ns,
      { SLA_CHECK_INTERVAL_MS: '3600000', OPEN_TICKETS_GAUGE_MAX_AGE_MS: '1' },
      { now },
    );
    db = await mongoose
      .createConnection(process.env.MONGO_URL ?? '', { dbName: ns.database('tickets') })
      .asPromise();
    worker = slaWorker({
      tickets: db.collection<Ticket>('tickets') as never,
      warningFraction: 0.8,
      now,
      batch: 100,
      metrics: h.telemetry.metrics,
      // This worker runs beside the service, not in it: the service's relay finds its writes by polling.
      outbox: outboxWriter({ wake: () => undefined }, ['tickets']),
      marked: () => undefined,
    });
    collector = h.kafka.consumer({ groupId: ns.group('collector') });
    await collector.connect();
    await collector.subscribe({ topic: ns.topic(TOPICS.tickets), fromBeginning: true });
    await collector.run({
      eachMessage: async ({ message }) =>
        void published.push(JSON.parse(String(message.value)) as CloudEvent),
    });
    await h.publish(TOPICS.auth, userCreated(USERS.agent));
    await waitFor(
      async () =>
        (await h.as('admin').post(`${BASE}/000000000000000000000000/assign`, { assigneeId: USERS.agent.id }))
          .status === 404,
      { timeoutMs: 30_000, message: 'the auth projection to know the agent' },
    );
  });

  afterAll(async () => {
    await collector?.disconnect();
    await db?.close();
    await h?.stop();
  });

  const at = (ms: number) => new Date(ms).toISOString();
  const create = async (priority: string) =>
    (await h.as('employee').post(BASE, newTicket({ priority })).expect(201)).body as {
      id: string;
      createdAt: string;
      responseDueAt: string;
      resolutionDueAt: string | null;
    };
  const get = async (id: string) => (await h.as('agent').get(`${BASE}/${id}`).expect(200)).body;
  const status = (id: string, to: string) =>
    h.as('agent').post(`${BASE}/${id}/status`, { status: to }).expect(200);
  const slaEvents = (id: string) =>
    published.filter((e): e is SlaEvent => e.type.startsWith('ticket.sla_') && e.subject === id);

  /**
   * Every event the ticket's outbox held has reached the collector: a comment's event follows
   * them on the ticket's partition, so once it arrives nothing published before it is missing.
   */
  async function drained(id: string): Promise<void> {
    const { body } = await h
      .as('employee')
      .post(`${BASE}/${id}/comments`, { body: 'still there?' })
      .expect(201);
    await waitFor(
      () =>
        published.some(
          (e) => e.type === 'ticket.commented' && (e.data as { commentId: string }).commentId === body.id,
        ),
      {
        timeoutMs: 20_000,
        message: 'the marker comment on the tickets topic',
      },
    );
  }

  it('gives a new ticket its due times from the policy of its priority', async () => {
    const ticket = await create('critical');
    expect(ticket).toMatchObject({
      createdAt: at(clock),
      responseDueAt: at(clock + HOUR),
      resolutionDueAt: at(clock + 8 * HOUR),
      firstRespondedAt: null,
      slaBreached: { first_response: false, resolution: false },
    });
  });

  it('publishes each warning and each breach once, at its threshold', async () => {
    // Earlier tickets past every threshold first, so each pass below counts only the new ticket.
    clock += 10 * HOUR;
    await worker.run();
    const t0 = clock;
    const { id } = await create('critical');
    const pass = async (ms: number) => {
      clock = t0 + ms;
      return worker.run();
    };
    // 80 % of the hour to the first response: 48 minutes.
    expect(await pass(47 * MINUTE)).toEqual({ warnings: 0, breaches: 0 });
    expect(await pass(48 * MINUTE)).toEqual({ warnings: 1, breaches: 0 });
    expect(await pass(59 * MINUTE)).toEqual({ warnings: 0, breaches: 0 });
    expect(await pass(60 * MINUTE)).toEqual({ warnings: 0, breaches: 1 });
    expect(await pass(61 * MINUTE)).toEqual({ warnings: 0, breaches: 0 });
    // 80 % of the 8 hours to the solution: 6 h 24 min.
    expect(await pass(6 * HOUR + 24 * MINUTE)).toEqual({ warnings: 1, breaches: 0 });
    expect(await pass(8 * HOUR)).toEqual({ warnings: 0, breaches: 1 });
    expect(await pass(9 * HOUR)).toEqual({ warnings: 0, breaches: 0 });

    await drained(id);
    const events = slaEvents(id).map((e) => ({
      type: e.type,
      target: e.data.target,
      dueAt: e.data.dueAt,
      fraction: e.data.fraction,
    }));
    expect(events).toEqual([
      { type: 'ticket.sla_warning', target: 'first_response', dueAt: at(t0 + HOUR), fraction: 0.8 },
      { type: 'ticket.sla_breached', target: 'first_response', dueAt: at(t0 + HOUR), fraction: 1 },
      { type: 'ticket.sla_warning', target: 'resolution', dueAt: at(t0 + 8 * HOUR), fraction: 0.8 },
      { type: 'ticket.sla_breached', target: 'resolution', dueAt: at(t0 + 8 * HOUR), fraction: 1 },
    ]);
    expect(slaEvents(id)[0]!.data).toMatchObject({
      ticketId: id,
      requesterId: USERS.employee.id,
      assigneeId: null,
      priority: 'critical',
      category: 'hardware',
    });
    expect((await get(id)).slaBreached).toEqual({ first_response: true, resolution: true });
  });

  it('stops the first-response clock at an assignment or a public answer of staff, not an internal note', async () => {
    const t0 = clock;
    const assigned = await create('critical');
    const answered = await create('critical');
    clock = t0 + 10 * MINUTE;
    await h
      .as('agent')
      .post(`${BASE}/${answered.id}/comments`, { body: 'note to self', internal: true })
      .expect(201);
    await h.as('employee').post(`${BASE}/${answered.id}/comments`, { body: 'any news?' }).expect(201);
    expect((await get(answered.id)).firstRespondedAt).toBeNull();
    await h.as('agent').post(`${BASE}/${answered.id}/comments`, { body: 'On it.' }).expect(201);
    await h.as('admin').post(`${BASE}/${assigned.id}/assign`, { assigneeId: USERS.agent.id }).expect(200);
    clock = t0 + 20 * MINUTE;
    await h.as('agent').post(`${BASE}/${answered.id}/comments`, { body: 'Still on it.' }).expect(201);
    expect((await get(answered.id)).firstRespondedAt).toBe(at(t0 + 10 * MINUTE));
    expect((await get(assigned.id)).firstRespondedAt).toBe(at(t0 + 10 * MINUTE));

    // Past the first-response due time: neither is warned nor breached for it.
    clock = t0 + 2 * HOUR;
    await worker.run();
    await drained(answered.id);
    await drained(assigned.id);
    expect(slaEvents(answered.id).filter((e) => e.data.target === 'first_response')).toEqual([]);
    expect(slaEvents(assigned.id).filter((e) => e.data.target === 'first_response')).toEqual([]);
    const families = parseExposition(await h.metrics());
    expect(
      sampleValue(families, 'ticket_first_response_time_seconds_bucket', {
        category: 'hardware',
        priority: 'critical',
        le: '900',
      }),
    ).toBe(2);
  });

  it('moves the due times with a priority change and a pause, and the worker follows them', async () => {
    const t0 = clock;
    const { id } = await create('critical');
    clock = t0 + 30 * MINUTE;
    const lowered = (await h.as('agent').patch(`${BASE}/${id}`, { priority: 'medium' }).expect(200)).body;
    expect(lowered).toMatchObject({ responseDueAt: at(t0 + 8 * HOUR), resolutionDueAt: at(t0 + 48 * HOUR) });
    // Past the critical warning, not the medium one: nothing to publish.
    clock = t0 + 50 * MINUTE;
    await worker.run();

    clock = t0 + HOUR;
    expect((await status(id, 'pending')).body).toMatchObject({ status: 'pending', resolutionDueAt: null });
    // Raised while paused: the first-response due time follows, the paused one waits for the resume.
    const raised = (await h.as('agent').patch(`${BASE}/${id}`, { priority: 'high' }).expect(200)).body;
    expect(raised).toMatchObject({ responseDueAt: at(t0 + 4 * HOUR), resolutionDueAt: null });
    // Paused for 30 hours: the 24 hours to the solution now end 30 hours later.
    clock = t0 + 31 * HOUR;
    const resumed = (await status(id, 'in_progress')).body;
    expect(resumed).toMatchObject({ resolutionDueAt: at(t0 + 54 * HOUR), responseDueAt: at(t0 + 4 * HOUR) });

    clock = t0 + 53 * HOUR;
    await worker.run();
    await drained(id);
    // The first response was breached long ago (warned, then breached); the solution only warned.
    expect(slaEvents(id).map((e) => [e.type, e.data.target, e.data.dueAt])).toEqual([
      ['ticket.sla_warning', 'first_response', at(t0 + 4 * HOUR)],
      ['ticket.sla_warning', 'resolution', at(t0 + 54 * HOUR)],
      ['ticket.sla_breached', 'first_response', at(t0 + 4 * HOUR)],
    ]);
    const families = parseExposition(await h.metrics());
    // Solved within its target: counted, with its priority.
    const within = sampleValue(families, 'ticket_solved_within_target_total', { priority: 'high' }) ?? 0;
    await status(id, 'solved');
    expect(
      sampleValue(parseExposition(await h.metrics()), 'ticket_solved_within_target_total', {
        priority: 'high',
      }),
    ).toBe(within + 1);
  });

  it('lists tickets by breach and by due time, page by page', async () => {
    clock += 100 * HOUR;
    const t0 = clock;
    const fresh = [await create('low'), await create('critical'), await create('high')];
    await worker.run();
    const breachedIds = (
      await h.as('agent').get(`${BASE}?breached=true&limit=100`).expect(200)
    ).body.items.map((t: { id: string }) => t.id);
    const notBreached = (await h.as('agent').get(`${BASE}?breached=false&limit=100`).expect(200)).body.items;
    for (const t of fresh) expect(breachedIds).not.toContain(t.id);
    expect(notBreached.map((t: { id: string }) => t.id)).toEqual(
      expect.arrayContaining(fresh.map((t) => t.id)),
    );
    for (const t of notBreached) expect(t.slaBreached).toEqual({ first_response: false, resolution: false });
    expect(breachedIds.length).toBeGreaterThan(0);

    // Sorted by the first-response due time, two at a time: every ticket with one, in order.
    const seen: { id: string; responseDueAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `${BASE}?sort=responseDueAt&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await h.as('agent').get(query).expect(200)).body;
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const dues = seen.map((t) => t.responseDueAt);
    expect(dues).toEqual([...dues].sort());
    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
    expect(seen.slice(-3).map((t) => t.id)).toEqual([fresh[1]!.id, fresh[2]!.id, fresh[0]!.id]);
    expect(dues.at(-1)).toBe(at(t0 + 24 * HOUR));

    // Paused tickets have no resolution due time, and are left out of that order.
    await status(fresh[0]!.id, 'pending');
    const byResolution = (await h.as('agent').get(`${BASE}?sort=-resolutionDueAt&limit=100`).expect(200)).body
      .items;
    expect(byResolution.map((t: { id: string }) => t.id)).not.toContain(fresh[0]!.id);
    expect(byResolution[0].id).toBe(fresh[2]!.id);
  });

  it('reports the overdue tickets counted in the database', async () => {
    const overdue = async (target: string) =>
      sampleValue(parseExposition(await h.metrics()), 'tickets_overdue', { priority: 'medium', target }) ?? 0;
    // Every earlier ticket past all its due times already: only the new one moves the counts.
    clock += 1000 * HOUR;
    const before = { response: await overdue('first_response'), resolution: await overdue('resolution') };
    const t0 = clock;
    const { id } = await create('medium');
    clock = t0 + 8 * HOUR - 1;
    expect(await overdue('first_response')).toBe(before.response);
    clock = t0 + 8 * HOUR;
    expect(await overdue('first_response')).toBe(before.response + 1);
    expect(await overdue('resolution')).toBe(before.resolution);
    await h.as('agent').post(`${BASE}/${id}/comments`, { body: 'Looking.' }).expect(201);
    expect(await overdue('first_response')).toBe(before.response);
  });
});
