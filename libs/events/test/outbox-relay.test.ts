import { randomUUID } from 'node:crypto';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { keepTraceContext, kafkaBrokers, testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  createOutboxRelay,
  ensureTopics,
  OUTBOX_FIELD,
  OUTBOX_LEASES_COLLECTION,
  REJECTED_FIELD,
  outboxFields,
  outboxUpdate,
  type OutboxRelay,
} from '../src';
import { collect, commentEvent, outOfOrder, type Collector } from './outbox-support';

const ns = testNamespace('outbox relay');
const COLLECTION = 'tickets';

describe('outbox relay', () => {
  let telemetry: Telemetry;
  let connection: Connection;
  let kafka: Kafka;
  let collector: Collector;
  const relays: OutboxRelay[] = [];

  const relay = (options: {
    pollIntervalMs: number;
    concurrency?: number;
    batchSize?: number;
  }): OutboxRelay => {
    const created = createOutboxRelay({
      connection,
      collections: [COLLECTION],
      kafka,
      metrics: telemetry.metrics,
      topicPrefix: ns.topicPrefix,
      ...options,
    });
    relays.push(created);
    created.start();
    return created;
  };
  const tickets = () => connection.collection(COLLECTION);
  const leases = () => connection.collection<{ _id: string }>(OUTBOX_LEASES_COLLECTION);

  // As in a service that exports traces: the relay sends each write's trace context.
  let stopKeepingTraceContext: () => void;
  beforeAll(async () => {
    stopKeepingTraceContext = keepTraceContext();
    telemetry = startTelemetry({ serviceName: 'outbox-test', serviceVersion: '0.0.0', env: {} });
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, ['tickets'], { prefix: ns.topicPrefix });
    await admin.disconnect();
    collector = await collect(kafka, ns.topic('tickets'), ns.group('collector'));
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await collector?.stop();
    await connection?.close();
    await telemetry?.shutdown();
    stopKeepingTraceContext();
  });

  it('publishes a woken write without waiting for the poll, keyed by aggregate, with its trace context', async () => {
    // A poll interval far longer than the test: only wake() can explain a fast arrival.
    const relayA = relay({ pollIntervalMs: 600_000 });
    // A first event warms the producer's connection, so the second one times the wake alone.
    const warmUp = commentEvent('t-warm', 1);
    await tickets().insertOne({ _id: 't-warm' as never, ...outboxFields([warmUp]) });
    relayA.wake(COLLECTION, 't-warm');
    await waitFor(() => collector.received.some((r) => r.id === warmUp.id), {
      timeoutMs: 20_000,
      message: 'warm-up',
    });

    const spanContext = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    };
    const event = commentEvent('t-wake', 1);
    await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () =>
      tickets().insertOne({ _id: 't-wake' as never, title: 'printer', ...outboxFields([event]) }),
    );
    relayA.wake(COLLECTION, 't-wake');

    const received = await waitFor(() => collector.received.find((r) => r.id === event.id), {
      timeoutMs: 20_000,
      message: 'the woken event',
    });
    // How fast is a benchmark's question (outbox-wake-latency.bench.ts); here the ten-minute poll
    // interval means only wake() can have published it before the wait above gave up.
    expect(received.key).toBe('t-wake');
    expect(received.subject).toBe('t-wake');
    expect(received.headers['content-type']).toBe(CLOUDEVENTS_CONTENT_TYPE);
    expect(received.headers.traceparent).toMatch(new RegExp(`^00-${spanContext.traceId}-[0-9a-f]{16}-01$`));
    await waitFor(
      async () => {
        const doc = await tickets().findOne({ _id: 't-wake' as never });
        const lease = await leases().findOne({ _id: `${COLLECTION}:t-wake` });
        return doc?.[OUTBOX_FIELD]?.length === 0 && lease === null && doc.title === 'printer';
      },
      { message: 'the published event removed from the document' },
    );
  });

  it('publishes each event once, in per-aggregate order, when two relays share one outbox', async () => {
    const [relayA, relayB] = [relay({ pollIntervalMs: 100 }), relay({ pollIntervalMs: 100 })];
    const ids = Array.from({ length: 20 }, (_, i) => `t-pair-${i}`);
    await tickets().insertMany(
      ids.map((id) => ({ _id: id as never, ...outboxFields([commentEvent(id, 0)]) })),
    );
    const written = new Set<string>();
    for (let n = 1; n < 10; n += 1) {
      await Promise.all(
        ids.map(async (id, i) => {
          const event = commentEvent(id, n);
          written.add(event.id);
          await tickets().updateOne({ _id: id as never }, outboxUpdate([event], { $set: { revision: n } }));
          (i % 2 ? relayA : relayB).wake(COLLECTION, id);
        }),
      );
    }
    const mine = () => collector.received.filter((r) => r.subject.startsWith('t-pair-'));
    await waitFor(() => mine().length >= 200, { timeoutMs: 30_000, message: '200 events received' });
    await waitFor(
      () =>
        tickets()
          .countDocuments({ [`${OUTBOX_FIELD}.0`]: { $exists: true } })
          .then((c) => c === 0),
      {
        message: 'outboxes emptied',
      },
    );
    // Both relays stop: whatever they had in hand is finished, and no lease is left behind.
    await Promise.all([relayA.stop(), relayB.stop()]);
    expect(await leases().countDocuments()).toBe(0);

    const received = mine();
    expect(new Set(received.map((r) => r.id)).size).toBe(received.length);
    expect(received).toHaveLength(200);
    expect(outOfOrder(received)).toEqual([]);
    const revisions = await tickets()
      .find({ _id: { $in: ids as never[] } })
      .toArray();
    expect(revisions.map((d) => d.revision)).toEqual(ids.map(() => 9));
  });

  it('publishes every document already woken before stop() resolves, none left to the polls', async () => {
    // One batch at a time and no poll: whatever is still queued at stop() leaves only if stop drains it.
    const relayA = relay({ pollIntervalMs: 600_000, concurrency: 1, batchSize: 5 });
    const ids = Array.from({ length: 30 }, (_, i) => `t-drain-${i}`);
    const events = ids.map((id) => commentEvent(id, 1));
    await tickets().insertMany(
      events.map((event) => ({ _id: event.subject as never, ...outboxFields([event]) })),
    );
    for (const id of ids) relayA.wake(COLLECTION, id);

    await relayA.stop();

    const pending = await tickets().countDocuments({
      _id: { $in: ids as never[] },
      [`${OUTBOX_FIELD}.0`]: { $exists: true },
    });
    expect(pending).toBe(0);
    expect(await leases().countDocuments()).toBe(0);
    const mine = () => collector.received.filter((r) => r.subject.startsWith('t-drain-'));
    await waitFor(() => mine().length >= ids.length, { message: 'the 30 events' });
    expect(mine()).toHaveLength(ids.length);
  });

  it('sets an unreadable entry aside and still publishes the rest of the document', async () => {
    const relayA = relay({ pollIntervalMs: 600_000 });
    const event = commentEvent('t-corrupt', 1);
    const [valid] = outboxFields([event])._outbox;
    await tickets().insertOne({ _id: 't-corrupt' as never, [OUTBOX_FIELD]: ['not json', valid] });
    relayA.wake(COLLECTION, 't-corrupt');

    await waitFor(() => collector.received.some((r) => r.id === event.id), { message: 'the readable event' });
    await waitFor(
      async () => {
        const doc = await tickets().findOne({ _id: 't-corrupt' as never });
        return doc?.[OUTBOX_FIELD]?.length === 0 && doc[REJECTED_FIELD]?.[0] === 'not json';
      },
      { message: 'the unreadable entry moved to ' + REJECTED_FIELD },
    );
  });

  /**
   * A relay on a connection of its own whose every command is recorded, warmed up (its start's scan
   * and a first publish are over) before the recording that counts begins.
   */
  async function monitoredRelay(options: { batchSize?: number; kafka?: Kafka } = {}) {
    const monitored = await mongoose.createConnection(ns.mongoUrl(), { monitorCommands: true }).asPromise();
    const commands: { name: string; command: Record<string, unknown> }[] = [];
    monitored.getClient().on('commandStarted', (event) => {
      commands.push({ name: event.commandName, command: event.command as Record<string, unknown> });
    });
    const created = createOutboxRelay({
      connection: monitored,
      collections: [COLLECTION],
      kafka,
      metrics: telemetry.metrics,
      topicPrefix: ns.topicPrefix,
      pollIntervalMs: 600_000,
      ...options,
    });
    relays.push(created);
    created.start();
    const warmUp = commentEvent(`t-warm-${randomUUID()}`, 1);
    await tickets().insertOne({ _id: warmUp.subject as never, ...outboxFields([warmUp]) });
    created.wake(COLLECTION, warmUp.subject);
    await waitFor(() => collector.received.some((r) => r.id === warmUp.id), { message: 'warm-up' });
    await waitFor(async () => (await leases().countDocuments()) === 0, { message: 'warm-up lease released' });
    commands.length = 0;
    /** The commands sent to one collection, by name. */
    const on = (collection: string) => commands.filter(({ name, command }) => command[name] === collection);
    return { relay: created, on, close: () => monitored.close() };
  }

  it('publishes a woken write with only {_id} filters on the aggregate collection', async () => {
    // On FerretDB a filter without `_id` decodes the whole collection, maybe while holding the
    // write slot; `_id` alone (equal, or `$in` a batch's ids) is the cheapest command on every engine.
    const { relay: relayA, on, close } = await monitoredRelay();
    try {
      const event = commentEvent('t-exact', 1);
      await tickets().insertOne({ _id: 't-exact' as never, ...outboxFields([]) });
      await tickets().updateOne(
        { _id: 't-exact' as never },
        outboxUpdate([event], { $set: { status: 'open' } }),
      );
      relayA.wake(COLLECTION, 't-exact');
      await waitFor(() => collector.received.some((r) => r.id === event.id), { message: 'the woken event' });
      await waitFor(async () => (await leases().countDocuments()) === 0, { message: 'the lease released' });
      await relayA.stop();

      const filters = on(COLLECTION).flatMap(({ name, command }): { name: string; filter: unknown }[] => {
        switch (name) {
          case 'find':
            return [{ name, filter: command.filter }];
          case 'findAndModify':
            return [{ name, filter: command.query }];
          case 'update':
            return (command.updates as { q: unknown }[]).map((u) => ({ name, filter: u.q }));
          case 'delete':
            return (command.deletes as { q: unknown }[]).map((d) => ({ name, filter: d.q }));
          default:
            return [{ name, filter: 'not a per-document command' }];
        }
      });
      // A read of the batch's ids and the removal of what was published, each by `_id` alone.
      expect(filters).toEqual([
        { name: 'find', filter: { _id: { $in: ['t-exact'] } } },
        { name: 'update', filter: { _id: 't-exact' } },
      ]);
    } finally {
      await close();
    }
  });

  /**
   * The shared Kafka, but sends wait while `hold()` holds them (a batch stays in flight until then),
   * and each request's messages are recorded.
   */
  function sendGate() {
    let holding: { reached: () => void; gate: Promise<void> } | undefined;
    /** The subjects of each request's messages, in the order the requests were made. */
    const requests: string[][] = [];
    const gated = Object.create(kafka) as Kafka;
    gated.producer = (config) => {
      const producer = kafka.producer(config);
      const sendBatch = producer.sendBatch.bind(producer);
      producer.sendBatch = async (batch) => {
        requests.push(
          (batch.topicMessages ?? []).flatMap(({ messages }) => messages.map((m) => String(m.key))),
        );
        const hold = holding;
        if (hold) {
          hold.reached();
          await hold.gate;
        }
        return sendBatch(batch);
      };
      return producer;
    };
    return {
      kafka: gated,
      requests,
      /** Holds the next sends; `reached` resolves when one waits, `release()` lets them all go. */
      hold() {
        let reached!: () => void;
        let release!: () => void;
        const waiting = new Promise<void>((resolve) => (reached = resolve));
        holding = { reached, gate: new Promise<void>((resolve) => (release = resolve)) };
        return {
          reached: waiting,
          release: () => {
            holding = undefined;
            release();
          },
        };
      },
    };
  }

  it('publishes a document woken again while in flight in another pass under the same lease', async () => {
    const gate = sendGate();
    const { relay: relayA, on, close } = await monitoredRelay({ kafka: gate.kafka });
    try {
      const id = `t-again-${randomUUID()}`;
      const [first, second] = [commentEvent(id, 1), commentEvent(id, 2)];
      await tickets().insertOne({ _id: id as never, ...outboxFields([first]) });
      const sending = gate.hold();
      relayA.wake(COLLECTION, id);
      await sending.reached;
      // Written and woken while the first event is being sent under the lease.
      await tickets().updateOne({ _id: id as never }, outboxUpdate([second]));
      relayA.wake(COLLECTION, id);
      sending.release();
      const mine = () => collector.received.filter((r) => r.subject === id).map((r) => r.id);
      await waitFor(() => mine().length >= 2, { message: 'both events' });
      await waitFor(async () => (await leases().countDocuments()) === 0, { message: 'the lease released' });
      await relayA.stop();

      expect(mine()).toEqual([first.id, second.id]);
      expect(await tickets().countDocuments({ _id: id as never, [OUTBOX_FIELD]: { $type: 'string' } })).toBe(
        0,
      );
      const count = (name: string) => on(OUTBOX_LEASES_COLLECTION).filter((c) => c.name === name).length;
      expect({
        claims: count('insert') + count('update'),
        releases: count('findAndModify') + count('delete'),
        reads: on(COLLECTION).filter((c) => c.name === 'find').length,
      }).toEqual({ claims: 1, releases: 1, reads: 2 });
    } finally {
      await close();
    }
  });

  it('publishes documents woken together as one batch: one lease insert, read, request, removal and release', async () => {
    const gate = sendGate();
    const { relay: relayA, on, close } = await monitoredRelay({ kafka: gate.kafka });
    gate.requests.length = 0;
    try {
      const ids = Array.from({ length: 30 }, (_, i) => `t-batch-${i}`);
      const events = ids.map((id) => commentEvent(id, 1));
      await tickets().insertMany(
        events.map((event) => ({ _id: event.subject as never, ...outboxFields([event]) })),
      );
      // The first wake starts a batch of one; the other 29 queue behind it and leave together,
      // though the relay may run four batches at a time.
      for (const id of ids) relayA.wake(COLLECTION, id);
      const mine = () => collector.received.filter((r) => r.subject.startsWith('t-batch-'));
      await waitFor(() => mine().length >= ids.length, { message: 'the 30 events' });
      await waitFor(async () => (await leases().countDocuments()) === 0, { message: 'the leases released' });
      await relayA.stop();

      expect(
        mine()
          .map((r) => r.id)
          .sort(),
      ).toEqual(events.map((e) => e.id).sort());
      expect(
        await tickets().countDocuments({
          _id: { $in: ids as never[] },
          [`${OUTBOX_FIELD}.0`]: { $exists: true },
        }),
      ).toBe(0);
      const count = (collection: string, name: string) =>
        on(collection).filter((c) => c.name === name).length;
      expect({
        leaseInserts: count(OUTBOX_LEASES_COLLECTION, 'insert'),
        // The batch of one frees its lease with findAndModify, the batch of 29 with one delete.
        leaseReleases:
          count(OUTBOX_LEASES_COLLECTION, 'findAndModify') + count(OUTBOX_LEASES_COLLECTION, 'delete'),
        reads: count(COLLECTION, 'find'),
        removals: count(COLLECTION, 'update'),
      }).toEqual({ leaseInserts: 2, leaseReleases: 2, reads: 2, removals: 2 });
      // Written outside any trace: the 29 leave in one Kafka request.
      expect(gate.requests.map((subjects) => subjects.length)).toEqual([1, 29]);
    } finally {
      await close();
    }
  });

  it('starts a full batch beside the one in flight, and no smaller one', async () => {
    const gate = sendGate();
    const { relay: relayA, on, close } = await monitoredRelay({ kafka: gate.kafka, batchSize: 5 });
    try {
      const ids = Array.from({ length: 6 }, (_, i) => `t-full-${i}-${randomUUID()}`);
      const events = ids.map((id) => commentEvent(id, 1));
      await tickets().insertMany(
        events.map((event) => ({ _id: event.subject as never, ...outboxFields([event]) })),
      );
      const sending = gate.hold();
      relayA.wake(COLLECTION, ids[0]);
      await sending.reached;
      // Four queued wait for the batch in flight; the fifth makes a full batch, which starts now.
      for (const id of ids.slice(1)) relayA.wake(COLLECTION, id);
      const claimed = () =>
        on(OUTBOX_LEASES_COLLECTION)
          .filter((c) => c.name === 'insert')
          .map((c) => (c.command.documents as unknown[]).length);
      await waitFor(() => claimed().length >= 2, { message: 'a second batch while the first is held' });
      sending.release();
      const mine = () => collector.received.filter((r) => ids.includes(r.subject));
      await waitFor(() => mine().length >= ids.length, { message: 'the 6 events' });
      await relayA.stop();

      expect(claimed()).toEqual([1, 5]);
      expect(
        mine()
          .map((r) => r.id)
          .sort(),
      ).toEqual(events.map((e) => e.id).sort());
    } finally {
      await close();
    }
  });
  it("sends each traced document in a request of its own, under its write's trace", async () => {
    const gate = sendGate();
    const { relay: relayA, close } = await monitoredRelay({ kafka: gate.kafka });
    try {
      const run = randomUUID();
      const first = commentEvent(`t-first-${run}`, 1);
      await tickets().insertOne({ _id: first.subject as never, ...outboxFields([first]) });
      const sending = gate.hold();
      relayA.wake(COLLECTION, first.subject);
      await sending.reached;
      gate.requests.length = 0;

      const plain = [1, 2, 3].map((i) => commentEvent(`t-plain-${i}-${run}`, 1));
      await tickets().insertMany(plain.map((e) => ({ _id: e.subject as never, ...outboxFields([e]) })));
      const traces = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'];
      const traced = traces.map((_, i) => commentEvent(`t-traced-${i}-${run}`, 1));
      for (const [i, traceId] of traces.entries()) {
        const spanContext = { traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 };
        const event = traced[i] as (typeof traced)[number];
        await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () =>
          tickets().insertOne({ _id: event.subject as never, ...outboxFields([event]) }),
        );
      }
      // Queued behind the batch held in its send: they leave together when it ends.
      for (const event of [...plain, ...traced]) relayA.wake(COLLECTION, event.subject);
      sending.release();
      const subjects = [...plain, ...traced].map((e) => e.subject);
      const mine = () => collector.received.filter((r) => subjects.includes(r.subject));
      await waitFor(() => mine().length >= subjects.length, { message: 'the 5 events' });

      expect(gate.requests.map((r) => [...r].sort())).toEqual(
        expect.arrayContaining([
          plain.map((e) => e.subject).sort(),
          [traced[0]?.subject],
          [traced[1]?.subject],
        ]),
      );
      expect(gate.requests).toHaveLength(3);
      for (const [i, traceId] of traces.entries()) {
        const received = mine().find((r) => r.subject === traced[i]?.subject);
        expect(received?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-`));
      }
    } finally {
      await close();
    }
  });

  it('sends documents one by one when the broker refuses them together, and publishes them all', async () => {
    // One partition, so the documents' messages make one record batch: over the broker's 1 MB
    // (message.max.bytes) together, under it each alone.
    const prefix = `${ns.topicPrefix}single.`;
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, ['tickets'], { prefix, partitions: 1 });
    await admin.disconnect();
    const single = await collect(kafka, `${prefix}tickets`, ns.group('single-collector'));
    const gate = sendGate();
    const relayA = createOutboxRelay({
      connection,
      collections: [COLLECTION],
      kafka: gate.kafka,
      metrics: telemetry.metrics,
      topicPrefix: prefix,
      pollIntervalMs: 600_000,
    });
    relays.push(relayA);
    relayA.start();
    try {
      const run = randomUUID();
      const events = [1, 2, 3, 4].map((i) => commentEvent(`t-large-${i}-${run}`, 1));
      for (const event of events) (event.data as { body: string }).body = 'x'.repeat(400_000);
      await tickets().insertMany(
        events.map((event) => ({ _id: event.subject as never, ...outboxFields([event]) })),
      );
      for (const event of events) relayA.wake(COLLECTION, event.subject);
      await waitFor(() => single.received.length >= events.length, {
        timeoutMs: 20_000,
        message: 'the 4 large events',
      });
      await waitFor(
        async () =>
          (await tickets().countDocuments({
            _id: { $in: events.map((e) => e.subject) as never[] },
            [OUTBOX_FIELD]: { $type: 'string' },
          })) === 0,
        { message: 'the published events removed' },
      );

      expect(single.received.map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
      const sizes = gate.requests.map((subjects) => subjects.length);
      // The first wake leaves alone; the three queued behind it are refused together, then sent each.
      expect(sizes).toEqual([1, 3, 1, 1, 1]);
    } finally {
      await single.stop();
    }
  });
});
