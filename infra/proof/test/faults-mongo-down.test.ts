import {
  kafkaBrokers,
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
  type TestUser,
} from '@support-center/testing';
import { startOwnEngine, type OwnEngine } from './support/engines';
import { createTicket, startService } from './support/services';

/**
 * Issue 22, fault 3: the ticket service's MongoDB (a FerretDB of the test's own) stopped and
 * started again on the same port and data: /ready says which dependency is down, writes get a
 * prompt 503 with a JSON error, and the service recovers by itself.
 */
const requester: TestUser = { id: 'u-proof-mongo', username: 'mongo', role: 'employee' };

interface Readiness {
  status: string;
  dependencies: { name: string; status?: string; up?: boolean }[];
}

async function readiness(url: string): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

describe('MongoDB down', () => {
  const ns = testNamespace('proof_mongo_down');
  let mongo: OwnEngine;
  let issuer: TestIssuer;
  let ticket: ServiceProcess;

  beforeAll(async () => {
    [mongo, issuer] = await Promise.all([startOwnEngine('mongo'), startTestIssuer()]);
    ticket = await startService('ticket', {
      kafkaBrokers: kafkaBrokers().join(','),
      mongoUrl: mongo.url,
      database: ns.database('tickets'),
      jwksUrl: issuer.jwksUrl,
      topicPrefix: ns.topicPrefix,
    });
  }, 120_000);

  afterAll(async () => {
    await ticket?.stop();
    await Promise.all([mongo?.dispose(), issuer?.close()]);
  }, 60_000);

  it('answers 503 while it is down and recovers without a restart', async () => {
    const token = await issuer.token(requester);
    expect((await createTicket(ticket.url, token, 'before')).status).toBe(201);

    await mongo.stop();

    const notReady = await waitFor(
      async () => {
        const ready = await readiness(ticket.url);
        return ready.status === 503 ? ready : undefined;
      },
      { timeoutMs: 20_000, message: '/ready 503' },
    );
    expect(JSON.stringify(notReady.body)).toContain('mongodb');
    const mongodb = notReady.body.dependencies.find((d) => d.name === 'mongodb');
    expect(mongodb).toEqual({
      name: 'mongodb',
      required: true,
      status: 'down',
      error: expect.any(String),
      latencyMs: expect.any(Number),
    });

    const started = Date.now();
    const write = await createTicket(ticket.url, token, 'while down');
    const answeredMs = Date.now() - started;
    expect(write).toMatchObject({
      status: 503,
      body: { error: { code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringMatching(/MongoDB/i) } },
    });
    expect(answeredMs).toBeLessThan(10_000);
    expect(ticket.child.exitCode).toBeNull();

    await mongo.start();
    const restartedAt = Date.now();
    let last: Readiness | undefined;
    await waitFor(
      async () => {
        const ready = await readiness(ticket.url);
        last = ready.body;
        return ready.status === 200;
      },
      { timeoutMs: 60_000, message: '/ready 200 after MongoDB came back' },
    ).catch((error: Error) => {
      // What the service said, and what it logged, is what tells why it did not reconnect.
      error.message += `\nlast /ready: ${JSON.stringify(last)}\nservice output:\n${ticket.output().slice(-4000)}`;
      throw error;
    });
    const readyMs = Date.now() - restartedAt;
    await waitFor(async () => (await createTicket(ticket.url, token, 'after')).status === 201, {
      timeoutMs: 30_000,
      message: 'writes answered 201 again',
    });
    console.info(
      `MongoDB down: /ready 503 naming mongodb, a write answered 503 in ${answeredMs} ms; ` +
        `/ready 200 ${readyMs} ms after it came back, writes 201 again, no restart`,
    );
  }, 150_000);
});
