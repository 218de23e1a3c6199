import { randomUUID } from 'node:crypto';
import { eventFixture, TOPICS } from '@support-center/events';
import {
  kafkaBrokers,
  parseExposition,
  sampleValue,
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import mongoose from 'mongoose';
import { fileClient, startTestIssuer, users, type FileClient } from './helpers';

const ns = testNamespace('file_ticket_consumer');
const env = serviceEnv(ns.database('files'));

/** Who each ticket event names, as the ticket service publishes them. */
const parties = (ticketId: string) => ({
  ticketId,
  number: 7,
  requesterId: users.alice.id,
  assigneeId: users.agent.id,
});
/**
 * Every ticket event but `ticket.created`, each the only one the file service hears of its ticket:
 * consumers can start late or a topic be compacted, so any of them must teach it the requester.
 * Each is the contract's fixture (the one the ticket service's events are checked against), about
 * this test's ticket and users.
 */
const ONLY_EVENT_TYPES = [
  'ticket.assigned',
  'ticket.status_changed',
  'ticket.solved',
  'ticket.commented',
] as const;
const onlyEvent = (type: (typeof ONLY_EVENT_TYPES)[number], ticketId: string) =>
  eventFixture(type, { id: randomUUID(), data: parties(ticketId) });
const TYPES = ONLY_EVENT_TYPES;
const ticketOf = (type: string) => `t-${type.replace('ticket.', '')}`;

describe('file service: the ticket events it consumes', () => {
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let client: FileClient;
  let producer: Producer;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startServiceProcess('file', {
      ...env,
      AUTH_JWKS_URL: issuer.jwksUrl,
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
      OUTBOX_POLL_INTERVAL_MS: '200',
      FILE_UNKNOWN_TICKET_WAIT_MS: '500',
    });
    client = fileClient(service.url, issuer);
    await waitFor(async () => (await fetch(`${service.url}/ready`).catch(() => undefined))?.status === 200, {
      timeoutMs: 60_000,
      message: 'file /ready',
    });
    const kafka = new Kafka({
      clientId: 'file-consumer-test',
      brokers: kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(async () => (await admin.listTopics()).includes(ns.topic(TOPICS.tickets)), {
      timeoutMs: 30_000,
      message: 'the service to create its topics',
    });
    await admin.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic: ns.topic(TOPICS.tickets),
      messages: TYPES.map((type) => {
        const event = onlyEvent(type, ticketOf(type));
        return { key: event.subject, value: JSON.stringify(event) };
      }),
    });
    const connection = await mongoose.createConnection(ns.mongoUrl('files')).asPromise();
    try {
      const ids = TYPES.map(ticketOf);
      await waitFor(
        async () =>
          (await connection.collection('ticket_access').countDocuments({ _id: { $in: ids } } as object)) ===
          ids.length,
        { timeoutMs: 30_000, message: 'the projection to hold the four tickets' },
      );
    } finally {
      await connection.close();
    }
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    const code = await service?.stop();
    if (code !== 0) process.stderr.write(service.output());
    expect(code).toBe(0);
    await issuer?.close();
  });

  it.each(TYPES)(
    'learns the requester from %s alone: they upload and read, another employee does neither',
    async (type) => {
      const ticketId = ticketOf(type);
      const content = Buffer.from(`log for ${type}\n`);
      const own = await client.upload(users.alice, { ticketId, filename: 'mine.txt', content });
      expect(own.status).toBe(201);
      const foreign = await client.upload(users.bob, { ticketId, filename: 'planted.txt', content });
      expect({ status: foreign.status, body: await foreign.json() }).toEqual({
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: 'Ticket not found' } },
      });
      // A file staff attached: the requester reads it by the projection's word, another employee does not.
      const byAgent = (await (
        await client.upload(users.agent, { ticketId, filename: 'fix.txt', content })
      ).json()) as {
        id: string;
      };
      expect((await client.get(users.alice, `${byAgent.id}/meta`)).status).toBe(200);
      expect((await client.get(users.bob, `${byAgent.id}/meta`)).status).toBe(404);
    },
  );

  it('counts each of them as processed, none dead-lettered', async () => {
    const families = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
    const counts = Object.fromEntries(
      TYPES.map((type) => [
        type,
        ['processed', 'dead_lettered'].map(
          (status) =>
            sampleValue(families, 'events_consumed_total', {
              topic: TOPICS.tickets,
              event_type: type,
              status,
            }) ?? 0,
        ),
      ]),
    );
    expect(counts).toEqual(Object.fromEntries(TYPES.map((type) => [type, [1, 0]])));
  });
});
