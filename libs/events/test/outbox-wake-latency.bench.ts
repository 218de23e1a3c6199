import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { kafkaBrokers, testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { createOutboxRelay, ensureTopics, outboxFields, type OutboxRelay } from '../src';
import { collect, commentEvent, type Collector } from './outbox-support';

/**
 * Write to delivery of one woken event, one at a time: the figure the relay test used to assert
 * (under 1 s), measured here instead (`npm run bench -w libs/events`). `OUTBOX_BENCH_SAMPLES` (50).
 */
const SAMPLES = Number(process.env.OUTBOX_BENCH_SAMPLES ?? 50);
const ns = testNamespace('outbox wake latency');
const COLLECTION = 'tickets';

describe('outbox relay wake latency', () => {
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
  }, 120_000);

  afterAll(async () => {
    await relay?.stop();
    await collector?.stop();
    await connection?.close();
    await telemetry?.shutdown();
  });

  it(`times ${SAMPLES} woken writes from insert to delivery`, async () => {
    // A poll interval far longer than the run: every delivery is the wake's.
    relay = createOutboxRelay({
      connection,
      collections: [COLLECTION],
      kafka,
      metrics: telemetry.metrics,
      topicPrefix: ns.topicPrefix,
      pollIntervalMs: 600_000,
    });
    relay.start();
    const samples: number[] = [];
    // The first one warms the producer's connection and is not counted.
    for (let i = 0; i <= SAMPLES; i++) {
      const id = `w-${i}`;
      const event = commentEvent(id, 1);
      const started = performance.now();
      await tickets().insertOne({ _id: id as never, ...outboxFields([event]) });
      relay.wake(COLLECTION, id);
      await waitFor(() => collector.received.some((r) => r.id === event.id), {
        timeoutMs: 60_000,
        intervalMs: 1,
        message: `event ${i}`,
      });
      if (i > 0) samples.push(performance.now() - started);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
    process.stdout.write(
      `outbox wake latency (${SAMPLES} writes, insert to delivery): p50 ${at(50).toFixed(1)} ms, ` +
        `p95 ${at(95).toFixed(1)} ms, max ${at(100).toFixed(1)} ms (the relay test once required < 1000 ms)\n`,
    );
  }, 300_000);
});
