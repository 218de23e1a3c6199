import mongoose from 'mongoose';
import { startTelemetry } from '@support-center/telemetry';
import { testNamespace, waitFor } from '@support-center/testing';
import { start } from '../src/service';
import { ADMIN, login } from './support';

interface ReadyBody {
  status: string;
  dependencies: { name: string; status: 'up' | 'down' }[];
}

const ready = async (url: string) => {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
};
const stateOf = (body: ReadyBody, name: string) => body.dependencies.find((d) => d.name === name)?.status;

// Ready means usable: the first login as the bootstrap admin right after /ready said 200 must work.
describe('auth readiness', () => {
  const ns = testNamespace('ready');
  const telemetry = startTelemetry({ serviceName: 'auth', serviceVersion: '0.0.0', env: {} });
  let db: mongoose.Connection;
  let service: Awaited<ReturnType<typeof start>> | undefined;

  beforeAll(async () => {
    db = await mongoose.createConnection(ns.mongoUrl()).asPromise();
  });
  afterAll(async () => {
    await service?.stop();
    await telemetry.shutdown();
    await db?.dropDatabase();
    await db?.close();
  });

  it('answers 503 until the bootstrap admin exists, and the first login after a 200 succeeds', async () => {
    // An index of the same name on other keys makes the setup fail until it is dropped: the
    // database and Kafka are up meanwhile, but the bootstrap admin cannot be created.
    await db.collection('users').createIndex({ username: 1 }, { name: 'usernameKey_unique' });
    service = await start(telemetry, {
      MONGO_URL: process.env.MONGO_URL,
      MONGO_DB: ns.database(),
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
      PORT: '0',
      LOG_LEVEL: 'silent',
      AUTH_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    const url = `http://127.0.0.1:${service.port}`;

    const blocked = await waitFor(
      async () => {
        const answer = await ready(url);
        const connected = ['mongodb', 'kafka'].every((name) => stateOf(answer.body, name) === 'up');
        return connected ? answer : undefined;
      },
      { timeoutMs: 30_000, message: 'MongoDB and Kafka to be up' },
    );
    expect({ status: blocked.status, setup: stateOf(blocked.body, 'database setup') }).toEqual({
      status: 503,
      setup: 'down',
    });
    expect((await login(url, ADMIN.username, ADMIN.password)).status).toBe(401);

    await db.collection('users').dropIndex('usernameKey_unique');
    await waitFor(async () => (await ready(url)).status === 200, {
      timeoutMs: 30_000,
      message: '/ready to answer 200',
    });
    expect((await login(url, ADMIN.username, ADMIN.password)).status).toBe(200);
  });
});
