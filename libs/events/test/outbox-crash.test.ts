import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { kafkaBrokers, testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { ensureTopics, OUTBOX_FIELD, OUTBOX_LEASES_COLLECTION, outboxFields, outboxUpdate } from '../src';
import { collect, commentEvent, outOfOrder, type Collector, type Received } from './outbox-support';

const ns = testNamespace('outbox crash');
const COLLECTION = 'tickets';
const FIXTURE = path.join(__dirname, 'fixtures', 'outbox-relay.js');
const AGGREGATES = 50;
const ROUNDS = 10;

/** A relay process (the built library), killed with SIGKILL and started again. */
describe('outbox relay killed midway', () => {
  let connection: Connection;
  let kafka: Kafka;
  let collector: Collector;
  const children: ChildProcess[] = [];

  const tickets = () => connection.collection(COLLECTION);

  async function startRelayProcess(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [FIXTURE], {
      env: {
        ...process.env,
        MONGO_URL: ns.mongoUrl(),
        KAFKA_BROKERS: kafkaBrokers().join(','),
        OUTBOX_COLLECTION: COLLECTION,
        TOPIC_PREFIX: ns.topicPrefix,
        LEASE_MS: '1500',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the relay process exited with ${child.exitCode}`);
        return output.includes('relay ');
      },
      { timeoutMs: 20_000, message: 'the relay process started' },
    );
    return child;
  }

  const written: string[] = [];
  async function writeRound(n: number): Promise<void> {
    for (let i = 0; i < AGGREGATES; i += 1) {
      const event = commentEvent(`t-${i}`, n);
      written.push(event.id);
      await tickets().updateOne({ _id: `t-${i}` as never }, outboxUpdate([event]));
    }
  }

  beforeAll(async () => {
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, ['tickets'], { prefix: ns.topicPrefix });
    await admin.disconnect();
    collector = await collect(kafka, ns.topic('tickets'), ns.group('collector'));
    await tickets().insertMany(
      Array.from({ length: AGGREGATES }, (_, i) => ({ _id: `t-${i}` as never, ...outboxFields([]) })),
    );
  });

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await collector?.stop();
    await connection?.close();
  });

  it('loses nothing: every event is published, duplicates only from the crash', async () => {
    const first = await startRelayProcess();
    for (let n = 1; n <= 3; n += 1) await writeRound(n);
    await waitFor(() => collector.received.length >= AGGREGATES * 2, {
      timeoutMs: 20_000,
      message: 'the first relay publishing',
    });
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const writtenBeforeCrash = new Set(written);

    // Written while no relay runs, then while the second one does.
    for (let n = 4; n <= 6; n += 1) await writeRound(n);
    await startRelayProcess();
    for (let n = 7; n <= ROUNDS; n += 1) await writeRound(n);

    const total = AGGREGATES * ROUNDS;
    const missing = () => {
      const seen = new Set(collector.received.map((r) => r.id));
      return written.filter((id) => !seen.has(id));
    };
    await waitFor(() => missing().length === 0, {
      timeoutMs: 60_000,
      message: `all ${total} events received (${missing().length} missing)`,
    });
    await waitFor(
      () =>
        tickets()
          .countDocuments({ [`${OUTBOX_FIELD}.0`]: { $exists: true } })
          .then((c) => c === 0),
      { message: 'outboxes emptied' },
    );
    await waitFor(
      // The killed relay's leases are taken over or deleted once expired; the live one's released.
      () =>
        connection
          .collection(OUTBOX_LEASES_COLLECTION)
          .countDocuments()
          .then((c) => c === 0),
      { message: 'leases released' },
    );
    expect(written).toHaveLength(total);
    expect(outOfOrder(firstDeliveries(collector.received))).toEqual([]);
    // Redelivered only what the killed relay may have sent without recording it: events written
    // before the crash. Everything written after it arrived exactly once.
    const duplicated = duplicates(collector.received);
    process.stdout.write(`outbox crash: ${duplicated.length} of ${total} events delivered twice\n`);
    expect(duplicated.filter((id) => !writtenBeforeCrash.has(id))).toEqual([]);
    expect(duplicated.length).toBeLessThanOrEqual(writtenBeforeCrash.size);
  }, 120_000);
});

/** Each event's first delivery: a redelivery after the crash repeats events, it never reorders new ones. */
function firstDeliveries(received: readonly Received[]): Received[] {
  const seen = new Set<string>();
  return received.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

/** Ids of the events received more than once. */
function duplicates(received: readonly Received[]): string[] {
  const counts = new Map<string, number>();
  for (const r of received) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}
