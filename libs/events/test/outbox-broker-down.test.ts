import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type EngineProcess } from '@support-center/engines';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { getFreePort, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { createOutboxRelay, ensureTopics, outboxFields, outboxUpdate, type OutboxRelay } from '../src';
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

  const tickets = () => connection.collection(COLLECTION);
  const gauge = async (name: string) => sampleValue(await scraper.scrape(), name);

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'outbox-test', serviceVersion: '0.0.0', env: {} });
    scraper = await metricsScraper(telemetry);
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-kafka-'));
    port = await getFreePort();
    broker = await startEngine('kafka', { dataDir, port });
    kafka = new Kafka({ brokers: [broker.url], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
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
    await broker?.stop();
    await connection?.close();
    await scraper?.close();
    await telemetry?.shutdown();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes all 500 events written while the broker was down, each once and in order', async () => {
    // One event while Kafka is up: the relay's producer is connected before the broker goes away.
    const ids = Array.from({ length: AGGREGATES }, (_, i) => `t-${i}`);
    console.log('step 1', Date.now() % 1000000);
    await tickets().insertMany(ids.map((id) => ({ _id: id as never, ...outboxFields([]) })));
    console.log('step 2', Date.now() % 1000000);
    await tickets().updateOne({ _id: 't-0' as never }, outboxUpdate([commentEvent('t-0', 0)]));
    console.log('step 3', Date.now() % 1000000);
    relay.wake(COLLECTION, 't-0');
    console.log('step 4', Date.now() % 1000000);
    await waitFor(async () => (await tickets().findOne({ _id: 't-0' as never }))?._outbox.length === 0, {
      timeoutMs: 20_000,
      message: 'the first event published',
    });
    console.log('step 5', Date.now() % 1000000);

    await broker!.stop();
    console.log('step 6', Date.now() % 1000000);
    broker = undefined;
    console.log('step 7', Date.now() % 1000000);
    const written: string[] = [];
    console.log('step 8', Date.now() % 1000000);
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
    console.log('step 9', Date.now() % 1000000);
    await waitFor(async () => ((await gauge('outbox_oldest_pending_age_seconds')) ?? 0) > 0.5, {
      message: 'the oldest pending event ages',
    });
    console.log('step 10', Date.now() % 1000000);
    const families = await scraper.scrape();
    console.log('step 11', Date.now() % 1000000);
    const errors = sampleValue(families, 'events_published_total', { status: 'error' }) ?? 0;
    console.log('step 12', Date.now() % 1000000);
    expect(errors).toBeGreaterThan(0);
    console.log('step 13', Date.now() % 1000000);

    broker = await startEngine('kafka', { dataDir, port });
    console.log('step 14', Date.now() % 1000000);
    collector = await collect(kafka, ns.topic('tickets'), ns.group('collector'));
    console.log('step 15', Date.now() % 1000000);
    const received = collector.received;
    console.log('step 16', Date.now() % 1000000);
    await waitFor(() => received.length >= EVENTS + 1, {
      timeoutMs: 60_000,
      message: `${EVENTS + 1} events received (${received.length} so far)`,
    });
    console.log('step 17', Date.now() % 1000000);
    await waitFor(async () => (await gauge('outbox_pending_events')) === 0, {
      message: 'the backlog drained',
    });
    console.log('step 18', Date.now() % 1000000);
    expect(await gauge('outbox_oldest_pending_age_seconds')).toBe(0);
    console.log('step 19', Date.now() % 1000000);

    const receivedIds = received.map((r) => r.id);
    console.log('step 20', Date.now() % 1000000);
    expect(new Set(receivedIds).size).toBe(receivedIds.length);
    console.log('step 21', Date.now() % 1000000);
    expect(receivedIds).toEqual(expect.arrayContaining(written));
    console.log('step 22', Date.now() % 1000000);
    expect(received).toHaveLength(EVENTS + 1);
    console.log('step 23', Date.now() % 1000000);
    expect(outOfOrder(received)).toEqual([]);
    console.log('step 24', Date.now() % 1000000);
    const success = sampleValue(await scraper.scrape(), 'events_published_total', {
      topic: ns.topic('tickets'),
      event_type: 'ticket.commented',
      status: 'success',
    });
    console.log('step 25', Date.now() % 1000000);
    expect(success).toBe(EVENTS + 1);
    console.log('step 26', Date.now() % 1000000);
  }, 120_000);
});
