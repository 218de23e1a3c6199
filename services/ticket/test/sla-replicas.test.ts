import { outboxWriter, TOPICS, type CloudEvent } from '@support-center/events';
import { parseExposition, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import type { Consumer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import type { Ticket } from '../src/domain/ticket';
import { slaWorker, type SlaWorker } from '../src/events/sla-worker';
import { newTicket, startHarness, type Harness } from './support';

const ns = testNamespace('ticket sla replicas');
const BASE = '/api/v1/tickets';
const HOUR = 3_600_000;
const TICKETS = 10;
const PASSES = 50;

/**
 * Two replicas' SLA workers, each on its own MongoDB connection, racing over the same tickets:
 * every warning and breach is published once per ticket and target, and counted once.
 */
describe('ticket service levels across replicas', () => {
  let clock = Date.UTC(2026, 2, 2, 9, 0);
  const now = () => new Date(clock);
  let h: Harness;
  const connections: Connection[] = [];
  let collector: Consumer;
  const published: CloudEvent[] = [];

  /** A replica's worker: its own connection, the same database, the same clock. */
  async function replica(): Promise<SlaWorker> {
    const db = await mongoose
      .createConnection(process.env.MONGO_URL ?? '', { dbName: ns.database('tickets') })
      .asPromise();
    connections.push(db);
    return slaWorker({
      tickets: db.collection<Ticket>('tickets') as never,
      warningFraction: 0.8,
      now,
      batch: 100,
      metrics: h.telemetry.metrics,
      // The service's relay finds these writes by polling.
      outbox: outboxWriter({ wake: () => undefined }, ['tickets']),
      marked: () => undefined,
    });
  }

  beforeAll(async () => {
    h = await startHarness(ns, { SLA_CHECK_INTERVAL_MS: '3600000' }, { now });
    collector = h.kafka.consumer({ groupId: ns.group('collector') });
    await collector.connect();
    await collector.subscribe({ topic: ns.topic(TOPICS.tickets), fromBeginning: true });
    await collector.run({
      eachMessage: async ({ message }) =>
        void published.push(JSON.parse(String(message.value)) as CloudEvent),
    });
  });

  afterAll(async () => {
    await collector?.disconnect();
    for (const db of connections) await db.close();
    await h?.stop();
  });

  it(`${PASSES} parallel passes of two replicas publish one warning and one breach per ticket and target`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < TICKETS; i += 1)
      ids.push(
        (
          await h
            .as('employee')
            .post(BASE, newTicket({ priority: 'critical' }))
            .expect(201)
        ).body.id,
      );
    const replicas = [await replica(), await replica()];

    // Past every threshold of every ticket: 1 h to the first response, 8 h to the solution.
    clock += 9 * HOUR;
    const passes = await Promise.all(Array.from({ length: PASSES }, (_, i) => replicas[i % 2]!.run()));
    const total = passes.reduce((sum, p) => ({
      warnings: sum.warnings + p.warnings,
      breaches: sum.breaches + p.breaches,
    }));
    expect(total).toEqual({ warnings: 2 * TICKETS, breaches: 2 * TICKETS });

    // A replica started afterwards (a restart) finds everything already published.
    expect(await (await replica()).run()).toEqual({ warnings: 0, breaches: 0 });

    // A comment's event follows each ticket's SLA events on its partition: once every one has
    // arrived, so has everything the outbox held before it.
    const markers = await Promise.all(
      ids.map(
        async (id) =>
          (await h.as('employee').post(`${BASE}/${id}/comments`, { body: 'marker' }).expect(201)).body.id,
      ),
    );
    await waitFor(
      () =>
        markers.every((commentId) =>
          published.some(
            (e) => e.type === 'ticket.commented' && (e.data as { commentId: string }).commentId === commentId,
          ),
        ),
      { timeoutMs: 30_000, message: 'every marker comment on the tickets topic' },
    );
    for (const id of ids) {
      const sla = published
        .filter((e) => e.subject === id && e.type.startsWith('ticket.sla_'))
        .map((e) => `${e.type} ${(e.data as { target: string }).target}`)
        .sort();
      expect(sla).toEqual([
        'ticket.sla_breached first_response',
        'ticket.sla_breached resolution',
        'ticket.sla_warning first_response',
        'ticket.sla_warning resolution',
      ]);
    }

    const families = parseExposition(await h.metrics());
    for (const target of ['first_response', 'resolution'])
      expect(sampleValue(families, 'ticket_sla_breaches_total', { priority: 'critical', target })).toBe(
        TICKETS,
      );
    expect(
      sampleValue(families, 'ticket_sla_breaches_total', { priority: 'low', target: 'resolution' }),
    ).toBe(0);
  });
});
