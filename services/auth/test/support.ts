import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import {
  kafkaBrokers,
  parseExposition,
  testNamespace,
  waitFor,
  type TestNamespace,
} from '@support-center/testing';
import { start } from '../src/service';

export const ADMIN = { username: 'root', password: 'bootstrap-password-1' };

export interface AuthUnderTest {
  url: string;
  ns: TestNamespace;
  telemetry: Telemetry;
  sweepOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** The auth service in this process on a free port, on its own database and topic prefix. */
export async function startAuth(env: Record<string, string> = {}, label = 'auth'): Promise<AuthUnderTest> {
  const ns = testNamespace(label);
  const telemetry = startTelemetry({ serviceName: 'auth', serviceVersion: '0.0.0', env: {} });
  const service = await start(telemetry, {
    MONGO_URL: process.env.MONGO_URL,
    MONGO_DB: ns.database(),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: ns.topicPrefix,
    PORT: '0',
    LOG_LEVEL: 'silent',
    AUTH_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    TRUST_PROXY: 'loopback',
    ...env,
  });
  const url = `http://127.0.0.1:${service.port}`;
  // The bootstrap admin exists once the setup worker ran against the database.
  await waitFor(async () => (await login(url, ADMIN.username, ADMIN.password)).status === 200, {
    timeoutMs: 30_000,
    // Each poll is a login (an argon2 check, and a write the kit's rate limit counts): not too often.
    intervalMs: 250,
    message: 'the bootstrap admin to log in',
  });
  return {
    url,
    ns,
    telemetry,
    sweepOnce: service.sweepOnce,
    stop: async () => {
      await service.stop();
      await telemetry.shutdown();
    },
  };
}

export function login(
  url: string,
  username: string,
  password: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password, ...extra }),
  });
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; username: string; role: string };
}

export async function loginOk(
  url: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Tokens> {
  const res = await login(url, username, password, {}, headers);
  if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Tokens;
}

export function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  return fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Creates a password user through the admin API. */
export async function createUser(
  url: string,
  adminToken: string,
  username: string,
  role = 'employee',
  password = 'correct-horse-1',
) {
  const res = await call(url, 'POST', '/api/v1/users', adminToken, { username, password, role });
  if (res.status !== 201) throw new Error(`creating ${username} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string; username: string; role: string };
}

export async function scrape(url: string) {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

export interface ReceivedEvent {
  type: string;
  subject: string;
  key: string;
  data: Record<string, unknown>;
}

/** A plain kafkajs consumer of the namespace's `auth` topic, from its beginning. */
export async function collectAuthEvents(
  ns: TestNamespace,
): Promise<{ received: ReceivedEvent[]; stop(): Promise<void> }> {
  const kafka = new Kafka({ clientId: 'auth-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const consumer: Consumer = kafka.consumer({ groupId: ns.group('auth-events'), maxWaitTimeInMs: 100 });
  const received: ReceivedEvent[] = [];
  const admin = kafka.admin();
  await admin.connect();
  // The service creates its topics at start (auto-creation is off).
  await waitFor(async () => (await admin.listTopics()).includes(ns.topic('auth')), {
    timeoutMs: 30_000,
    message: 'the auth topic to exist',
  });
  await admin.disconnect();
  await consumer.connect();
  await consumer.subscribe({ topic: ns.topic('auth'), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(String(message.value)) as ReceivedEvent;
      received.push({ type: event.type, subject: event.subject, key: String(message.key), data: event.data });
    },
  });
  return { received, stop: () => consumer.disconnect() };
}
