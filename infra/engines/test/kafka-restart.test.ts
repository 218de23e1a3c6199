import fs from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { startEngine, type EngineProcess } from '../src';
import { commandLine, makeTempDir, processesInGroup, uniqueName, waitUntil } from './support';

jest.setTimeout(180_000);

/** Restarts need a broker of their own, not the run's shared one. */
describe('Kafka engine restart', () => {
  let dataDir = '';
  beforeAll(() => {
    dataDir = makeTempDir('kafka');
  });
  let engine: EngineProcess | undefined;

  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps messages and committed offsets across a crash, and leaves no JVM behind', async () => {
    engine = await startEngine('kafka', { dataDir, detached: true });
    const first = engine;
    const topic = uniqueName('durable');
    const groupId = uniqueName('resume');
    const client = (url: string): Kafka =>
      new Kafka({ brokers: [url], logLevel: logLevel.NOTHING, retry: { retries: 10 } });

    let kafka = client(first.url);
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.send({
      topic,
      messages: Array.from({ length: 500 }, (_, i) => ({ key: `k${i % 7}`, value: `old-${i}` })),
    });

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumedBefore = 0;
    await consumer.run({ eachMessage: async () => void (consumedBefore += 1) });
    await waitUntil(() => consumedBefore === 500, 60_000, 'the old messages');
    await consumer.disconnect(); // commits what it consumed
    await Promise.all([admin.disconnect(), producer.disconnect()]);

    // A crash of the runner alone: the JVM must not outlive it (no orphan holding the data dir).
    const group = first.pid;
    const java = processesInGroup(group).find((pid) => commandLine(pid)?.includes('kafka.Kafka'));
    expect(java).toBeDefined();
    process.kill(first.pid, 'SIGKILL');
    await waitUntil(() => processesInGroup(group).length === 0, 30_000, 'every process of the group to die');
    await first.exited;

    engine = await startEngine('kafka', { dataDir, detached: true });
    kafka = client(engine.url);
    const admin2 = kafka.admin();
    await admin2.connect();
    const offsets = await admin2.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(500);
    const [committed] = await admin2.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(500);

    const producer2 = kafka.producer();
    await producer2.connect();
    await producer2.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `new-${i}` })) });
    const resumed = kafka.consumer({ groupId });
    await resumed.connect();
    await resumed.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await resumed.run({
      eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? ''),
    });
    await waitUntil(() => values.length >= 20, 60_000, 'the new messages');
    await resumed.disconnect();
    await Promise.all([admin2.disconnect(), producer2.disconnect()]);

    expect(values.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `new-${i}`).sort());
  });
});
