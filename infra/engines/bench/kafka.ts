import { Kafka, logLevel } from 'kafkajs';
import { percentile } from '@support-center/engines';
import type { Row } from './stats';

const MESSAGES = 50_000;
const BATCH = 500;
const LATENCY_SAMPLES = 500;
const value = Buffer.alloc(1024, 'x');

/** kafkajs produce + consume throughput with 1 KB values, and send → delivery latency. */
export async function kafkaBench(brokers: string[]): Promise<Row[]> {
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const suffix = Date.now().toString(36);
  const throughputTopic = `bench-throughput-${suffix}`;
  const latencyTopic = `bench-latency-${suffix}`;
  await admin.createTopics({
    topics: [
      { topic: throughputTopic, numPartitions: 4 },
      { topic: latencyTopic, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });

  // Throughput: a consumer already waiting, the producer sending in batches (acks=all);
  // the clock stops when the last message has been consumed.
  const consumer = kafka.consumer({ groupId: `bench-${suffix}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [throughputTopic, latencyTopic], fromBeginning: true });
  let consumed = 0;
  let onAll: () => void = () => undefined;
  const allConsumed = new Promise<void>((resolve) => (onAll = resolve));
  const waiting = new Map<string, (at: number) => void>();
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      if (batch.topic === latencyTopic) {
        const at = performance.now();
        for (const message of batch.messages) waiting.get(message.key?.toString() ?? '')?.(at);
        return;
      }
      consumed += batch.messages.length;
      if (consumed >= MESSAGES) onAll();
    },
  });
  // Wait until the group has its partitions before the clock starts.
  await producer.send({ topic: latencyTopic, messages: [{ key: 'warmup', value }] });
  await new Promise<void>((resolve) => waiting.set('warmup', () => resolve()));

  const started = performance.now();
  let produceMs = 0;
  const produce = (async () => {
    for (let i = 0; i < MESSAGES; i += BATCH) {
      const messages = Array.from({ length: BATCH }, (_, j) => ({ key: `k${(i + j) % 64}`, value }));
      await producer.send({ topic: throughputTopic, messages });
    }
    produceMs = performance.now() - started;
  })();
  await Promise.all([produce, allConsumed]);
  const totalMs = performance.now() - started;

  // Latency: one message at a time, to a consumer that is already waiting for it.
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    const key = `lat-${i}`;
    const delivered = new Promise<number>((resolve) => waiting.set(key, resolve));
    const sentAt = performance.now();
    await producer.send({ topic: latencyTopic, acks: 1, messages: [{ key, value }] });
    samples.push((await delivered) - sentAt);
    waiting.delete(key);
  }

  await consumer.disconnect();
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  const rate = (MESSAGES / totalMs) * 1000;
  const p50 = percentile(samples, 50);
  return [
    {
      measure: `kafka: produce (1 KB, batches of ${BATCH}, acks=all)`,
      value: `${Math.round((MESSAGES / produceMs) * 1000)} msg/s`,
    },
    {
      measure: `kafka: produce + consume, ${MESSAGES} × 1 KB`,
      value: `${Math.round(rate)} msg/s`,
      target: '≥ 20,000 msg/s',
      met: rate >= 20_000,
    },
    {
      measure: 'kafka: delivery latency p50',
      value: `${p50.toFixed(1)} ms`,
      target: '≤ 10 ms',
      met: p50 <= 10,
    },
    { measure: 'kafka: delivery latency p99', value: `${percentile(samples, 99).toFixed(1)} ms` },
  ];
}
