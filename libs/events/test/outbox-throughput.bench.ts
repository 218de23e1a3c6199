import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { kafkaBrokers, testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { createOutboxRelay, ensureTopics, outboxFields, outboxUpdate, type OutboxRelay } from '../src';
import { collect, commentEvent, type Collector } from './outbox-support';

/**
 * Woken publishes per second with a collection of many documents: a benchmark, run on demand
 * (`npm run bench -w libs/events`; a benchmark, so not part of the test run).
 * `OUTBOX_BENCH_DOCS` (5000), `OUTBOX_BENCH_EVENTS` (200) and `OUTBOX_BENCH_WRITERS` (10) size it;
 * each write inserts a new document with its event, or updates one with `OUTBOX_BENCH_WRITE=update`.
 */
const DOCS = Number(process.env.OUTBOX_BENCH_DOCS ?? 5_000);
const EVENTS = Number(process.env.OUTBOX_BENCH_EVENTS ?? 200);
const WRITERS = Number(process.env.OUTBOX_BENCH_WRITERS ?? 10);
/** `update`: events on existing documents instead of new documents (inserts). */
const UPDATES = process.env.OUTBOX_BENCH_WRITE === 'update';
const ns = testNamespace('outbox throughput');
const COLLECTION = 'tickets';

describe('outbox relay throughput', () => {
  let telemetry: Telemetry;
  let connection: Connection;
  let kafka: Kafka;
  let collector: Collector;
  let relay: OutboxRelay | undefined;
  const tickets = () => connection.collection(COLLECTION);

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'outbox-bench', serviceVersion: '0.0.0', env: {} });
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, ['tickets'], { prefix: ns.topicPrefix });
    await admin.disconnect();
    collector = await collect(kafka, ns.topic('tickets'), ns.group('collector'));
    const description = 'The printer on the third floor prints blank pages. '.repeat(4);
    for (let start = 0; start < DOCS; start += 1_000) {
      await tickets().insertMany(
        Array.from({ length: Math.min(1_000, DOCS - start) }, (_, i) => ({
          _id: `b-${start + i}` as never,
          title: `ticket ${start + i}`,
          description,
          status: 'open',
          ...outboxFields([]),
        })),
      );
    }
  }, 300_000);

  afterAll(async () => {
    await relay?.stop();
    await collector?.stop();
    await connection?.close();
    await telemetry?.shutdown();
  });

  it(`publishes woken writes with ${DOCS} documents in the collection`, async () => {
    // The relay's own connection, whose commands are timed by name and collection.
    const relayConnection = await mongoose
      .createConnection(ns.mongoUrl(), { monitorCommands: true })
      .asPromise();
    const timings = new Map<string, { count: number; ms: number }>();
    const names = new Map<number, string>();
    relayConnection.getClient().on('commandStarted', (e) => {
      names.set(
        e.requestId,
        `${e.commandName} ${String((e.command as Record<string, unknown>)[e.commandName])}`,
      );
    });
    relayConnection.getClient().on('commandSucceeded', (e) => {
      const name = names.get(e.requestId) ?? e.commandName;
      const t = timings.get(name) ?? { count: 0, ms: 0 };
      timings.set(name, { count: t.count + 1, ms: t.ms + e.duration });
    });
    relay = createOutboxRelay({
      connection: relayConnection,
      collections: [COLLECTION],
      kafka,
      metrics: telemetry.metrics,
      topicPrefix: ns.topicPrefix,
      pollIntervalMs: 600_000,
    });
    relay.start();
    const warmUp = commentEvent('b-0', 0);
    await tickets().updateOne({ _id: 'b-0' as never }, outboxUpdate([warmUp]));
    relay.wake(COLLECTION, 'b-0');
    await waitFor(() => collector.received.some((r) => r.id === warmUp.id), {
      timeoutMs: 60_000,
      message: 'warm-up',
    });

    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = next++; i < EVENTS; i = next++) {
          // A new ticket with its event (POST /api/v1/tickets), or an event on an existing one.
          const id = UPDATES ? `b-${1 + (i % (DOCS - 1))}` : `new-${i}`;
          if (UPDATES) await tickets().updateOne({ _id: id as never }, outboxUpdate([commentEvent(id, 1)]));
          else
            await tickets().insertOne({
              _id: id as never,
              title: `ticket ${id}`,
              ...outboxFields([commentEvent(id, 1)]),
            });
          relay!.wake(COLLECTION, id);
        }
      }),
    );
    const written = performance.now();
    await waitFor(() => collector.received.length >= EVENTS + 1, {
      timeoutMs: 280_000,
      message: `${EVENTS} events received (${collector.received.length - 1} so far)`,
    });
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    await relayConnection.close();
    for (const [name, t] of timings)
      process.stdout.write(`  ${name}: ${t.count} commands, ${(t.ms / t.count).toFixed(1)} ms each\n`);
    process.stdout.write(
      `outbox throughput: ${EVENTS} woken publishes (${UPDATES ? 'updates' : 'inserts'}), ${DOCS} documents, ` +
        `${WRITERS} writers: ` +
        `${seconds.toFixed(2)} s (writes took ${((written - started) / 1000).toFixed(2)} s), ` +
        `${(EVENTS / seconds).toFixed(1)} publishes/s\n`,
    );
  }, 300_000);
});
