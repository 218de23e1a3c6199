import type { IncomingMessage, ServerResponse } from 'node:http';
import { kafkaBrokers, parseExposition, testNamespace, waitFor } from '@support-center/testing';
import { startTelemetry } from '@support-center/telemetry';
import { Kafka, logLevel, type Admin, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import request from 'supertest';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  createEvent,
  createEventConsumer,
  dlqTopic,
  ensureTopics,
  TOPICS,
  type CloudEvent,
  type EventConsumer,
  type EventConsumerOptions,
} from '../src';

/** What the tests' handlers write: one document per ticket. */
export interface Projection {
  _id: string;
  comments?: number;
  bodies?: string[];
  _events?: string[];
}

/** Engines, clients and telemetry shared by one consumer test file. */
export function consumerHarness(label: string) {
  const ns = testNamespace(label);
  const kafka = new Kafka({ clientId: ns.id, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const telemetry = startTelemetry({ serviceName: 'events-test', serviceVersion: '0', env: {} });
  let admin: Admin;
  let producer: Producer;
  let db: Connection;
  const consumers: EventConsumer[] = [];
  let scenarios = 0;
  let readers = 0;

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    db = mongoose.createConnection(ns.mongoUrl());
    await Promise.all([admin.connect(), producer.connect(), db.asPromise()]);
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await Promise.all([admin.disconnect(), producer.disconnect(), db.close()]);
    await telemetry.shutdown();
  });

  /** A fresh `tickets` topic (3 partitions) and `.dlq` for one test, so groups never see another test's events. */
  async function scenario(service: string) {
    const topicPrefix = `${ns.topicPrefix}s${++scenarios}.`;
    await ensureTopics(admin, [TOPICS.tickets], { prefix: topicPrefix, partitions: 3 });
    const kafkaTopic = `${topicPrefix}${TOPICS.tickets}`;
    const group = `${service}.${TOPICS.tickets}`;
    const collection = db.collection<Projection>(`${service}_${scenarios}`);

    return {
      kafkaTopic,
      /** The metric label, without the prefix. */
      group,
      groupId: `${topicPrefix}${group}`,
      collection,

      consumer(
        options: Pick<EventConsumerOptions, 'handlers'> & Partial<EventConsumerOptions>,
      ): EventConsumer {
        const consumer = createEventConsumer({
          kafka,
          service,
          topic: TOPICS.tickets,
          metrics: telemetry.metrics,
          topicPrefix,
          maxAttempts: 3,
          backoff: { initialMs: 10, maxMs: 50 },
          lagIntervalMs: 100,
          ...options,
        });
        consumers.push(consumer);
        return consumer;
      },

      async publish(events: CloudEvent[], headers: IHeaders = {}) {
        await producer.send({
          topic: kafkaTopic,
          acks: -1,
          messages: events.map((event) => ({
            key: event.subject,
            value: JSON.stringify(event),
            headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ...headers },
          })),
        });
      },

      async publishRaw(key: string, value: string) {
        await producer.send({ topic: kafkaTopic, acks: -1, messages: [{ key, value }] });
      },

      /** Reads `<topic>.dlq` from the beginning until `count` dead letters are in. */
      async deadLetters(count: number): Promise<KafkaMessage[]> {
        const letters: KafkaMessage[] = [];
        const reader = kafka.consumer({ groupId: `${topicPrefix}dlq-reader-${++readers}` });
        await reader.connect();
        try {
          await reader.subscribe({ topics: [dlqTopic(kafkaTopic)], fromBeginning: true });
          await reader.run({ eachMessage: async ({ message }) => void letters.push(message) });
          await waitFor(() => letters.length >= count, {
            timeoutMs: 20_000,
            message: `${count} dead letters`,
          });
        } finally {
          await reader.disconnect();
        }
        return letters;
      },

      /** The group's committed offsets, by partition ('-1' when none). */
      async committed(): Promise<Map<number, string>> {
        const [offsets] = await admin.fetchOffsets({
          groupId: `${topicPrefix}${group}`,
          topics: [kafkaTopic],
        });
        return new Map(offsets?.partitions.map((p) => [p.partition, p.offset]));
      },
    };
  }

  /** The current exposition, parsed. */
  async function scrape() {
    const res = await request((req: IncomingMessage, res: ServerResponse) =>
      telemetry.metricsHandler?.(req, res),
    ).get('/metrics');
    return parseExposition(res.text);
  }

  return { ns, kafka, scenario, scrape, admin: () => admin };
}

let comments = 0;

/** A valid `ticket.commented` event on `ticketId`; `body` carries what the test needs to see. */
export function commented(ticketId: string, body = `comment ${++comments}`): CloudEvent<'ticket.commented'> {
  return createEvent(
    'ticket.commented',
    {
      ticketId,
      number: 1,
      requesterId: 'requester',
      assigneeId: null,
      commentId: `c-${++comments}`,
      authorId: 'author',
      internal: false,
      body,
    },
    { source: '/support-center/test' },
  );
}

export function header(message: KafkaMessage, name: string): string | undefined {
  return message.headers?.[name]?.toString();
}
