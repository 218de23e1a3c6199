import { createEvent, ensureTopics, TOPICS, type CloudEvent } from '@support-center/events';
import type { RunningService } from '@support-center/service-kit';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import {
  kafkaBrokers,
  startTestIssuer,
  type TestIssuer,
  type TestNamespace,
  type TestUser,
} from '@support-center/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import request from 'supertest';
import { loadTicketConfig } from '../src/config';
import { startTicketService } from '../src/service';

export const USERS = {
  employee: { id: 'u-employee', username: 'employee', role: 'employee' },
  other: { id: 'u-employee2', username: 'employee2', role: 'employee' },
  agent: { id: 'u-agent', username: 'agent', role: 'agent' },
  admin: { id: 'u-admin', username: 'admin', role: 'admin' },
} as const satisfies Record<string, TestUser>;
export type Who = keyof typeof USERS;

export interface Harness {
  url: string;
  tokens: Record<Who, string>;
  telemetry: Telemetry;
  producer: Producer;
  kafka: Kafka;
  /** supertest against the running service, as `who`. */
  as(who: Who): {
    get(path: string): request.Test;
    post(path: string, body?: object): request.Test;
    patch(path: string, body?: object): request.Test;
  };
  /** Publishes an event on `<prefix><topic>`, keyed as the service would. */
  publish(topic: string, event: CloudEvent): Promise<void>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** The ticket service in this process, on its own database and topic prefix, with a token issuer. */
export async function startHarness(
  ns: TestNamespace,
  env: Record<string, string> = {},
  { now }: { now?: () => Date } = {},
): Promise<Harness> {
  const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [TOPICS.tickets, TOPICS.auth, TOPICS.files], {
    prefix: ns.topicPrefix,
    partitions: 1,
  });
  await admin.disconnect();
  const issuer: TestIssuer = await startTestIssuer();
  const telemetry = startTelemetry({ serviceName: 'ticket', serviceVersion: '0.0.0', env: {} });
  const config = loadTicketConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    MONGO_URL: process.env.MONGO_URL,
    MONGO_DB: ns.database('tickets'),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: ns.topicPrefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    AUTH_JWKS_URL: issuer.jwksUrl,
    OUTBOX_POLL_INTERVAL_MS: '200',
    ...env,
  });
  const service: RunningService = await startTicketService({ config, telemetry, now });
  const url = `http://127.0.0.1:${service.port}`;
  const tokens = Object.fromEntries(
    await Promise.all(Object.entries(USERS).map(async ([who, user]) => [who, await issuer.token(user)])),
  ) as Record<Who, string>;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();

  return {
    url,
    tokens,
    telemetry,
    producer,
    kafka,
    as(who) {
      const auth = `Bearer ${tokens[who]}`;
      return {
        get: (path) => request(url).get(path).set('Authorization', auth),
        post: (path, body) => request(url).post(path).set('Authorization', auth).send(body),
        patch: (path, body) => request(url).patch(path).set('Authorization', auth).send(body),
      };
    },
    async publish(topic, event) {
      await producer.send({
        topic: `${ns.topicPrefix}${topic}`,
        messages: [{ key: event.subject, value: JSON.stringify(event) }],
      });
    },
    async metrics() {
      return (await request(url).get('/metrics')).text;
    },
    async stop() {
      await producer.disconnect();
      await service.stop();
      await issuer.close();
    },
  };
}

/** A `user.created` event as the auth service publishes it. */
export function userCreated(user: TestUser, active = true): CloudEvent {
  return createEvent(
    'user.created',
    {
      userId: user.id,
      username: user.username,
      displayName: user.username,
      email: null,
      role: user.role,
      active,
      loginMethod: 'password',
    },
    { source: '/support-center/auth' },
  );
}

export const newTicket = (overrides: object = {}) => ({
  title: 'Printer on fire',
  description: 'It smells of toner',
  category: 'hardware',
  priority: 'high',
  ...overrides,
});
