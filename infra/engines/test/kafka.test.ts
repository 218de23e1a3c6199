import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { uniqueName, waitUntil } from './support';

/** Tests against the run's shared broker (KAFKA_BROKERS, set by the global setup). */
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const kafka = new Kafka({ clientId: 'engines-test', brokers, logLevel: logLevel.NOTHING });

jest.setTimeout(120_000);

describe('Kafka broker', () => {
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    expect(brokers.length).toBeGreaterThan(0);
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('delivers 20,000 keyed messages over 4 partitions to a group growing from 2 to 3 members, in key order', async () => {
    const topic = uniqueName('orders');
    const groupId = uniqueName('group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });

    const KEYS = 100;
    const TOTAL = 20_000;
    const produce = async (from: number, to: number): Promise<void> => {
      for (let start = from; start < to; start += 1_000) {
        const messages = [];
        for (let i = start; i < Math.min(start + 1_000, to); i += 1) {
          messages.push({ key: `key-${i % KEYS}`, value: String(i) });
        }
        await producer.send({ topic, messages });
      }
    };

    // Per key, the sequence numbers in the order they were first seen; redeliveries
    // after a rebalance repeat earlier numbers and are not counted twice.
    const seenByKey = new Map<string, number[]>();
    const seen = new Set<number>();
    const perMember = [0, 0, 0];
    const startMember = async (index: number): Promise<void> => {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }: EachMessagePayload) => {
          const sequence = Number(message.value?.toString());
          perMember[index]! += 1;
          if (seen.has(sequence)) return;
          seen.add(sequence);
          const key = message.key?.toString() ?? '';
          seenByKey.set(key, [...(seenByKey.get(key) ?? []), sequence]);
        },
      });
    };

    await produce(0, TOTAL / 2);
    await Promise.all([startMember(0), startMember(1)]);
    await waitUntil(() => seen.size === TOTAL / 2, 60_000, 'the first half');

    await startMember(2);
    await waitUntil(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 3;
      },
      60_000,
      'three stable members',
    );
    const beforeSecondHalf = [...perMember];
    await produce(TOTAL / 2, TOTAL);
    await waitUntil(() => seen.size === TOTAL, 60_000, 'every message');

    expect(seen.size).toBe(TOTAL);
    expect(seenByKey.size).toBe(KEYS);
    for (const sequences of seenByKey.values()) {
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }
    // The third member took its share of the second half.
    expect(perMember[2]!).toBeGreaterThan(beforeSecondHalf[2]!);
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.members).toHaveLength(3);
  });

  it('refuses to produce to a topic nobody created (auto-create is off)', async () => {
    const topic = uniqueName('never-created');
    const strict = new Kafka({
      brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const lonelyProducer = strict.producer({ allowAutoTopicCreation: true });
    await lonelyProducer.connect();
    try {
      await expect(lonelyProducer.send({ topic, messages: [{ value: 'lost' }] })).rejects.toThrow();
    } finally {
      await lonelyProducer.disconnect();
    }
    expect(await admin.listTopics()).not.toContain(topic);
  });
});
