import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { kafkaBrokers, testNamespace, waitFor } from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  ConsumerConfigError,
  createEvent,
  dlqTopic,
  ensureTopics,
  OutboxConfigError,
  serviceEvents,
  TOPICS,
  type CloudEvent,
  type ConsumerDeclaration,
  type ServiceEvents,
} from '../src';
import { commentEvent } from './outbox-support';

const ns = testNamespace('service events');
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Issue 30: one declaration wires a service's events. The library creates the topics before
 * anything consumes or publishes, runs the relay and the consumers as workers, and an outbox
 * write wakes the relay by itself: no caller names the collection it wrote to.
 */
describe('serviceEvents', () => {
  let telemetry: Telemetry;
  let connection: Connection;
  let kafka: Kafka;
  const running: { workers: readonly { stop(): Promise<void> }[] }[] = [];

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'events-test', serviceVersion: '0.0.0', env: {} });
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await Promise.all(running.flatMap((events) => events.workers.map((w) => w.stop())));
    await connection?.close();
    await telemetry?.shutdown();
  });

  const start = async <E extends Pick<ServiceEvents<string>, 'workers'>>(events: E) => {
    running.push(events);
    // Started as the service kit starts workers: tried again until it succeeds (a topic just
    // created may have no leader known yet).
    await Promise.all(
      events.workers.map((w) =>
        waitFor(async () => (await w.start(), true), { timeoutMs: 30_000, message: `${w.name} to start` }),
      ),
    );
    return events;
  };

  it('creates the owned and consumed topics, and a write reaches a consumer without any wake or poll', async () => {
    const seen: CloudEvent[] = [];
    const events = await start(
      serviceEvents({
        service: 'writer',
        kafka,
        connection,
        metrics: telemetry.metrics,
        logger: silent,
        topicPrefix: ns.topicPrefix,
        owns: [TOPICS.tickets],
        // A poll far longer than the test: only the write itself can have woken the relay.
        outbox: { collections: ['tickets'], pollIntervalMs: 600_000 },
        consumes: {
          own: { topic: TOPICS.tickets, handlers: { 'ticket.commented': async (e) => void seen.push(e) } },
          users: { topic: TOPICS.auth, handlers: {} },
        },
      }),
    );
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    for (const topic of [TOPICS.tickets, TOPICS.auth])
      expect(topics).toEqual(expect.arrayContaining([ns.topic(topic), dlqTopic(ns.topic(topic))]));
    expect(Object.keys(events.consumers)).toEqual(['own', 'users']);
    expect(events.workers.every((w) => w.running)).toBe(true);

    const tickets = connection.collection<{ _id: string; title: string; _outbox?: string[] }>('tickets');
    const inserted = commentEvent('t-insert', 1);
    await events.outbox.insertOne(tickets, { _id: 't-insert', title: 'new' }, [inserted]);
    const updated = commentEvent('t-insert', 2);
    const result = await events.outbox.updateOne(
      tickets,
      { _id: 't-insert' },
      { $set: { title: 'changed' } },
      [updated],
    );
    expect(result.matchedCount).toBe(1);
    await waitFor(() => seen.length >= 2, { timeoutMs: 30_000, message: 'both events consumed' });
    expect(seen.map((e) => e.id)).toEqual([inserted.id, updated.id]);
    // Published, then removed from the document; the document's own change was written with them.
    await waitFor(async () => ((await tickets.findOne({ _id: 't-insert' }))?._outbox?.length ?? 0) === 0, {
      timeoutMs: 10_000,
      message: 'the outbox emptied',
    });
    expect(await tickets.findOne({ _id: 't-insert' })).toMatchObject({ title: 'changed' });
  });

  it('refuses an outbox write to a collection no relay publishes from, before writing anything', async () => {
    const events = serviceEvents({
      service: 'stray',
      kafka,
      connection,
      metrics: telemetry.metrics,
      logger: silent,
      topicPrefix: ns.topicPrefix,
      outbox: { collections: ['tickets'] },
    });
    const stray = connection.collection<{ _id: string }>('strays');
    const event = createEvent(
      'chat.message_posted',
      {
        ticketId: 't-1',
        messageId: 'm-1',
        seq: 1,
        authorId: 'u-1',
        body: 'hello',
        at: new Date().toISOString(),
      },
      { source: '/test' },
    );
    await expect(events.outbox.insertOne(stray, { _id: 's-1' }, [event])).rejects.toBeInstanceOf(
      OutboxConfigError,
    );
    await expect(
      events.outbox.updateOne(stray, { _id: 's-1' }, { $set: { x: 1 } }, [event]),
    ).rejects.toBeInstanceOf(OutboxConfigError);
    expect(await stray.countDocuments({})).toBe(0);
    // Declaring an outbox without the database it lives in is refused at once.
    expect(() =>
      serviceEvents({
        service: 'nowhere',
        kafka,
        metrics: telemetry.metrics,
        logger: silent,
        outbox: { collections: ['tickets'] },
      }),
    ).toThrow(OutboxConfigError);
  });

  it("gives every consumer group the wiring's session timeout, unless its declaration names one", () => {
    // Each group validates its session when it is made: a value below the broker's floor, set once
    // on the wiring, must reach a shared group and an instance's group alike.
    const wiring = (declaration: Partial<ConsumerDeclaration>) => () =>
      serviceEvents({
        service: 'sessions',
        kafka,
        metrics: telemetry.metrics,
        logger: silent,
        sessionTimeoutMs: 5999,
        consumes: { users: { topic: TOPICS.auth, handlers: {}, ...declaration } },
      });
    expect(wiring({})).toThrow(ConsumerConfigError);
    expect(wiring({ instance: 'one' })).toThrow(/sessionTimeoutMs must be an integer of at least 6000/);
    expect(wiring({ sessionTimeoutMs: 10_000 })).not.toThrow();
  });

  it('runs an instance consumer from the topic end, under its own group, deleted when it stops', async () => {
    const seen: string[] = [];
    // Declared after the wiring (`consume`), as for handlers that need what the outbox feeds.
    const declare = (instance: string) => {
      const events = serviceEvents({
        service: 'live',
        kafka,
        metrics: telemetry.metrics,
        logger: silent,
        topicPrefix: ns.topicPrefix,
      });
      const consumers = events.consume({
        live: {
          topic: TOPICS.chat,
          group: 'live-fanout',
          instance,
          handlers: { 'chat.message_posted': async (e) => void seen.push(e.data.body) },
        },
      });
      return { workers: events.workers, consumers };
    };
    const producer = kafka.producer();
    await producer.connect();
    const post = async (body: string) => {
      const event = createEvent(
        'chat.message_posted',
        { ticketId: 't-live', messageId: body, seq: 1, authorId: 'u-1', body, at: new Date().toISOString() },
        { source: '/test' },
      );
      await producer.send({
        topic: ns.topic(TOPICS.chat),
        messages: [{ key: 't-live', value: JSON.stringify(event) }],
      });
    };
    // The topic exists before the instance starts; what was published then is not for it.
    const first = await start(declare('i-0'));
    await first.consumers.live.stop();
    await post('before');
    const events = await start(declare('i-1'));
    await post('after');
    await waitFor(() => seen.includes('after'), { timeoutMs: 30_000, message: 'the live event' });
    expect(seen).toEqual(['after']);
    expect(events.consumers.live.name).toBe('consumer live-fanout.chat');

    await events.consumers.live.stop();
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    expect(groups.map((g) => g.groupId)).not.toContain(ns.group('live-fanout.chat.i-1'));
  });
  it('handles the partitions of a fetch at the same time: a handler held up on one holds up no other', async () => {
    const held = `t-held-${Date.now()}`;
    const free = `t-free-${Date.now()}`;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const producer = kafka.producer();
    await producer.connect();
    try {
      const message = (subject: string, partition: number) => ({
        partition,
        key: subject,
        value: JSON.stringify(commentEvent(subject, 1)),
        headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
      });
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [TOPICS.tickets], { prefix: ns.topicPrefix, partitions: 3 });
      await admin.disconnect();
      // Both on the topic before the group starts, so its first fetch brings both partitions.
      await producer.send({
        topic: ns.topic(TOPICS.tickets),
        messages: [message(held, 0), message(free, 1)],
      });
      await start(
        serviceEvents({
          service: 'partitions',
          kafka,
          metrics: telemetry.metrics,
          logger: silent,
          topicPrefix: ns.topicPrefix,
          partitions: 3,
          consumes: {
            tickets: {
              topic: TOPICS.tickets,
              handlers: {
                'ticket.commented': async (event) => {
                  if (event.subject === held) await gate;
                  seen.push(event.subject);
                },
              },
            },
          },
        }),
      );
      await waitFor(() => seen.includes(free), { message: 'the other partition’s event, while one is held' });
      expect(seen).not.toContain(held);
      release();
      await waitFor(() => seen.includes(held), { message: 'the held event, once released' });
    } finally {
      release();
      await producer.disconnect();
    }
  });
});
