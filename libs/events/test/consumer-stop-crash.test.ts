import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type EngineProcess } from '@support-center/engines';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel, type Consumer, type ConsumerCrashEvent } from 'kafkajs';
import { createEventConsumer, ensureTopics } from '../src';

const ns = testNamespace('consumer stop crash');

/**
 * kafkajs restarts a crashed consumer a moment after the crash, even when a disconnect() came in
 * between, and the restarted consumer survives that disconnect and keeps rejoining its group (a
 * service told to stop while Kafka is gone then never finishes stopping). A stop asked for while
 * the crash is being handled must turn the restart down.
 */
describe('an event consumer stopped while it crashes', () => {
  let telemetry: Telemetry;
  let dataDir: string;
  let broker: EngineProcess | undefined;

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'consumer-crash-test', serviceVersion: '0.0.0', env: {} });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-crash-kafka-'));
    broker = await startEngine('kafka', { dataDir });
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    await telemetry?.shutdown();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is not restarted by kafkajs', async () => {
    const kafka = new Kafka({
      brokers: [broker!.url],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, ['tickets'], { prefix: ns.topicPrefix });
    await admin.disconnect();

    // The kafkajs consumer inside, to watch its crash: the real client, only observed.
    let inner: Consumer | undefined;
    const observed = Object.create(kafka) as Kafka;
    observed.consumer = (config) => (inner = kafka.consumer(config));
    const consumer = createEventConsumer({
      kafka: observed,
      service: 'crash',
      topic: 'tickets',
      topicPrefix: ns.topicPrefix,
      metrics: telemetry.metrics,
      handlers: {},
    });
    await consumer.start();

    // kafkajs disconnects a crashed consumer before it decides on a restart: the stop comes then.
    const crashes: ConsumerCrashEvent['payload'][] = [];
    let stopped: Promise<void> | undefined;
    inner!.on(inner!.events.DISCONNECT, () => void (stopped ??= consumer.stop()));
    inner!.on(inner!.events.CRASH, ({ payload }) => void crashes.push(payload));

    await broker!.stop();
    broker = undefined;
    await waitFor(() => crashes.length > 0, { timeoutMs: 60_000, message: 'the consumer to crash' });
    await stopped;
    expect(crashes.map((crash) => crash.restart)).toEqual([false]);
  }, 120_000);
});
