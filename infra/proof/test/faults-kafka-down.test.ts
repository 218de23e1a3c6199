import {
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
  type TestUser,
} from '@support-center/testing';
import { startOwnEngine, type OwnEngine } from './support/engines';
import { startService, steadyTicketLoad, waitForReady } from './support/services';
import { RecordingSocket, repeated, ticketIdOf } from './support/sockets';

/**
 * Issue 22, fault 1: Kafka down for 30 s under steady load. Writes never touch Kafka (the
 * transactional outbox holds their events), so they keep succeeding; once Kafka is back every
 * event goes out and reaches the notification socket, once.
 */
const OUTAGE_MS = 30_000;
const RATE = 5;
const requester: TestUser = { id: 'u-proof-requester', username: 'requester', role: 'employee' };

describe('Kafka down for 30 s under steady load', () => {
  const ns = testNamespace('proof_kafka_down');
  let kafka: OwnEngine;
  let issuer: TestIssuer;
  let ticket: ServiceProcess;
  let realtime: ServiceProcess;
  let socket: RecordingSocket;

  beforeAll(async () => {
    [kafka, issuer] = await Promise.all([startOwnEngine('kafka'), startTestIssuer()]);
    const env = {
      kafkaBrokers: kafka.url,
      mongoUrl: process.env.MONGO_URL ?? '',
      jwksUrl: issuer.jwksUrl,
      topicPrefix: ns.topicPrefix,
    };
    // Realtime first: its fan-out groups start at the topic's end.
    realtime = await startService('realtime', { ...env, database: ns.database('realtime') });
    ticket = await startService('ticket', {
      ...env,
      database: ns.database('tickets'),
      OUTBOX_POLL_INTERVAL_MS: '500',
    });
    socket = await RecordingSocket.open(realtime.url, '/ws/notifications', await issuer.token(requester));
  }, 180_000);

  afterAll(async () => {
    await socket?.close();
    await Promise.all([ticket?.stop(), realtime?.stop()]);
    await Promise.all([kafka?.dispose(), issuer?.close()]);
  }, 90_000);

  it('keeps answering writes with 201, then delivers every ticket.created exactly once', async () => {
    const token = await issuer.token(requester);
    const load = steadyTicketLoad(ticket.url, token, { perSecond: RATE, label: 'kafka-down' });
    await waitFor(() => socket.notifications('ticket.created').length >= 10, {
      timeoutMs: 20_000,
      message: 'notifications flowing before the outage',
    });

    const beforeOutage = load.results.length;
    const down = Date.now();
    await kafka.stop();
    await new Promise((elapsed) => setTimeout(elapsed, OUTAGE_MS - (Date.now() - down)));
    const duringOutage = load.results.slice(beforeOutage);
    await kafka.start();
    const outageMs = Date.now() - down;

    // Some load after the restart too, while the backlog drains.
    await new Promise((elapsed) => setTimeout(elapsed, 5_000));
    const results = await load.stop();

    expect(duringOutage.length).toBeGreaterThanOrEqual((RATE * OUTAGE_MS) / 1000 / 2);
    expect(results.filter((r) => r.status !== 201)).toEqual([]);
    const created = results.map((r) => r.id!);

    const recoveredAt = Date.now();
    await waitFor(
      () => {
        const seen = new Set(socket.notifications('ticket.created').map(ticketIdOf));
        return created.every((id) => seen.has(id));
      },
      { timeoutMs: 90_000, intervalMs: 250, message: 'every ticket.created on the notification socket' },
    );
    const drainMs = Date.now() - recoveredAt;
    // Anything late would show up here as a repeat.
    await new Promise((settle) => setTimeout(settle, 2_000));

    const delivered = socket.notifications('ticket.created').map(ticketIdOf);
    expect(repeated(delivered)).toEqual({});
    expect(new Set(delivered)).toEqual(new Set(created));
    expect(socket.closeCode).toBeUndefined();
    await waitForReady(ticket);
    await waitForReady(realtime);
    console.info(
      `kafka down ${outageMs} ms: ${results.length} tickets (${duringOutage.length} during the outage), ` +
        `all delivered once, the last ${drainMs} ms after the load stopped`,
    );
  }, 150_000);
});
