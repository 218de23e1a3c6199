import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type EngineProcess } from '@support-center/engines';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { getFreePort, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import {
  applyOnce,
  createEventConsumer,
  createOutboxRelay,
  ensureTopics,
  outboxFields,
  outboxUpdate,
  type EventConsumer,
  type OutboxRelay,
} from '../src';
import { collect, commentEvent, metricsScraper, outOfOrder, type Collector } from './outbox-support';

const ns = testNamespace('outbox broker down');
const COLLECTION = 'tickets';
const AGGREGATES = 10;
const EVENTS = 500;

/**
 * The relay against a Kafka of this file's own, stopped and started again: nothing written while
 * it is down is lost, and the relay's producer reconnects by itself.
 */
describe('outbox relay while Kafka is down', () => {
  let telemetry: Telemetry;
  let scraper: Awaited<ReturnType<typeof metricsScraper>>;
  let connection: Connection;
  let dataDir: string;
  let port: number;
  let broker: EngineProcess | undefined;
  let kafka: Kafka;
  let relay: OutboxRelay;
  let collector: Collector | undefined;
  let consumer: EventConsumer | undefined;

  const tickets = () => connection.collection(COLLECTION);
  const projections = () => connection.db!.collection<{ _id: string; seen: number[] }>('projections');
  const gauge = async (name: string) => sampleValue(await scraper.scrape(), name);

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'outbox-test', serviceVersion: '0.0.0', env: {} });
    scraper = await metricsScraper(telemetry);
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-kafka-'));
    port = await getFreePort();
    broker = await startEngine('kafka', { dataDir, port });
    kafka = new Kafka({ brokers: [broker.url], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, ['tickets'], { prefix: ns.topicPrefix });
    await admin.disconnect();
    relay = createOutboxRelay({
      connection,
      collections: [COLLECTION],
      kafka,
      metrics: telemetry.metrics,
      topicPrefix: ns.topicPrefix,
      pollIntervalMs: 200,
      retryMaxMs: 1_000,
    });
    relay.start();
  }, 120_000);

  afterAll(async () => {
    await relay?.stop();
    await collector?.stop();
    await consumer?.stop();
    await broker?.stop();
    await connection?.close();
    await scraper?.close();
    await telemetry?.shutdown();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes all 500 events written while the broker was down, each once and in order', async () => {
    // One event while Kafka is up: the relay's producer is connected before the broker goes away.
    const ids = Array.from({ length: AGGREGATES }, (_, i) => `t-${i}`);
    await tickets().insertMany(ids.map((id) => ({ _id: id as never, ...outboxFields([]) })));
    await tickets().updateOne({ _id: 't-0' as never }, outboxUpdate([commentEvent('t-0', 0)]));
    relay.wake(COLLECTION, 't-0');
    await waitFor(async () => (await tickets().findOne({ _id: 't-0' as never }))?._outbox.length === 0, {
      timeoutMs: 20_000,
      message: 'the first event published',
    });

    await broker!.stop();
    broker = undefined;
    const written: string[] = [];
    for (let n = 1; n <= EVENTS / AGGREGATES; n += 1) {
      for (const id of ids) {
        const event = commentEvent(id, n);
        written.push(event.id);
        await tickets().updateOne({ _id: id as never }, outboxUpdate([event]));
        relay.wake(COLLECTION, id);
      }
    }

    // The backlog and its age are visible while Kafka is away.
    await waitFor(async () => (await gauge('outbox_pending_events')) === EVENTS, {
      timeoutMs: 10_000,
      message: `outbox_pending_events = ${EVENTS}`,
    });
    await waitFor(async () => ((await gauge('outbox_oldest_pending_age_seconds')) ?? 0) > 0.5, {
      message: 'the oldest pending event ages',
    });
    await waitFor(
      async () =>
        (sampleValue(await scraper.scrape(), 'events_published_total', { status: 'error' }) ?? 0) > 0,
      { timeoutMs: 30_000, message: 'failed publish attempts counted' },
    );

    broker = await startEngine('kafka', { dataDir, port });
    collector = await collect(kafka, ns.topic('tickets'), ns.group('collector'));
    // The same stream through a service's consumer: each event applied once, in order per ticket.
    consumer = createEventConsumer({
      kafka,
      service: 'projection',
      topic: 'tickets',
      topicPrefix: ns.topicPrefix,
      metrics: telemetry.metrics,
      handlers: {
        'ticket.commented': (event) =>
          applyOnce(
            projections(),
            { _id: event.subject as never },
            { $push: { seen: Number(event.data.body) } },
            event.id,
          ),
      },
    });
    await consumer.start();
    const received = collector.received;
    await waitFor(() => received.length >= EVENTS + 1, {
      timeoutMs: 60_000,
      message: `${EVENTS + 1} events received (${received.length} so far)`,
    });
    await waitFor(async () => (await gauge('outbox_pending_events')) === 0, {
      message: 'the backlog drained',
    });
    expect(await gauge('outbox_oldest_pending_age_seconds')).toBe(0);

    const expected = (id: string) => [
      ...(id === 't-0' ? [0] : []),
      ...Array.from({ length: EVENTS / AGGREGATES }, (_, i) => i + 1),
    ];
    const applied = async () =>
      (await projections().find().toArray()).map((p) => ({ id: String(p._id), seen: p.seen }));
    await waitFor(
      async () => {
        const docs = await applied();
        return docs.length === AGGREGATES && docs.every((d) => d.seen.length === expected(d.id).length);
      },
      { timeoutMs: 60_000, message: 'every event applied by the consumer' },
    );
    // Each event applied exactly once, in the order it was written for its ticket.
    for (const doc of await applied()) expect(doc).toEqual({ id: doc.id, seen: expected(doc.id) });
    expect(
      sampleValue(await scraper.scrape(), 'events_consumed_total', {
        topic: 'tickets',
        event_type: 'ticket.commented',
        status: 'processed',
      }),
    ).toBe(EVENTS + 1);

    const receivedIds = received.map((r) => r.id);
    expect(new Set(receivedIds).size).toBe(receivedIds.length);
    expect(receivedIds).toEqual(expect.arrayContaining(written));
    expect(received).toHaveLength(EVENTS + 1);
    expect(outOfOrder(received)).toEqual([]);
    const success = sampleValue(await scraper.scrape(), 'events_published_total', {
      topic: 'tickets',
      event_type: 'ticket.commented',
      status: 'success',
    });
    expect(success).toBe(EVENTS + 1);
  }, 120_000);
});
