import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createEvent } from '@support-center/events';
import {
  kafkaBrokers,
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
  type TestUser,
} from '@support-center/testing';
import { ResyncingChatClient } from './support/chat-client';
import { startService, type ServiceEnv } from './support/services';

/**
 * Issue 22, fault 4: two realtime instances, a chat client on each in one room; one instance is
 * restarted (SIGTERM) while both keep posting. Its client is closed with 1001, reconnects to the
 * other instance, resyncs from its last seq and ends with the complete sequence.
 */
const requester: TestUser = { id: 'u-proof-chat-requester', username: 'chatter', role: 'employee' };
const agent: TestUser = { id: 'u-proof-chat-agent', username: 'helper', role: 'agent' };
const POST_EVERY_MS = 100;
/** Messages the room moves on by while a client is away (the seed's one-second reconnect delay). */
const MISSED_WHILE_AWAY = 10;

describe('a realtime instance restarted', () => {
  const ns = testNamespace('proof_realtime_restart');
  const ticketId = randomBytes(12).toString('hex');
  let issuer: TestIssuer;
  let env: ServiceEnv;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let restarted: ServiceProcess | undefined;
  let clients: ResyncingChatClient[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer();
    env = {
      kafkaBrokers: kafkaBrokers().join(','),
      mongoUrl: process.env.MONGO_URL ?? '',
      database: ns.database('realtime'),
      jwksUrl: issuer.jwksUrl,
      topicPrefix: ns.topicPrefix,
      // A join's history is short, so the messages missed during the reconnect need the resync.
      CHAT_HISTORY_LIMIT: '3',
      CHAT_RATE_BURST: '50',
      CHAT_RATE_PER_SECOND: '50',
    };
    [a, b] = await Promise.all([startService('realtime', env), startService('realtime', env)]);

    const kafka = new Kafka({ clientId: 'proof', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const created = createEvent(
      'ticket.created',
      {
        ticketId,
        number: 1,
        requesterId: requester.id,
        assigneeId: null,
        title: 'VPN drops every hour',
        category: 'network',
        priority: 'high',
        status: 'open',
        createdAt: new Date().toISOString(),
      },
      { source: '/support-center/proof' },
    );
    await producer.send({
      topic: ns.topic('tickets'),
      messages: [{ key: ticketId, value: JSON.stringify(created) }],
    });
    await producer.disconnect();
    const token = await issuer.token(requester);
    await waitFor(
      async () =>
        (
          await fetch(`${a.url}/api/v1/chat/${ticketId}/messages`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status === 200,
      { timeoutMs: 30_000, message: 'the ticket in the realtime projection' },
    );
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.socket?.ws.terminate();
    await Promise.all([a?.stop(), b?.stop(), restarted?.stop()]);
    await issuer?.close();
  }, 60_000);

  it('lets the clients reconnect and resync to the complete sequence, without gaps or repeats', async () => {
    const onA = new ResyncingChatClient('requester', await issuer.token(requester), ticketId);
    const onB = new ResyncingChatClient('agent', await issuer.token(agent), ticketId);
    clients = [onA, onB];
    await onA.connect(a.url);
    await onB.connect(b.url);
    const poster = setInterval(() => clients.forEach((client) => client.post()), POST_EVERY_MS);
    try {
      await waitFor(() => onA.lastSeq >= 20 && onB.lastSeq >= 20, { message: 'both clients chatting' });

      // SIGTERM: the instance closes its sockets with 1001 first.
      const stopped = a.stop('SIGTERM');
      expect(await onA.socket!.closed).toBe(1001);
      expect(await stopped).toBe(0);
      const seqAtDrop = onA.lastSeq;
      // The other client keeps posting meanwhile: the requester misses messages it must resync.
      await waitFor(() => onB.lastSeq >= seqAtDrop + MISSED_WHILE_AWAY, {
        message: 'the room moving on while the requester is away',
      });
      await onA.connect(b.url);

      // The instance comes back; the agent moves over to it (a reconnect on another instance).
      restarted = await startService('realtime', env);
      await waitFor(() => onA.lastSeq > seqAtDrop + 20, { message: 'the requester chatting again' });
      onB.socket!.ws.terminate();
      await onB.socket!.closed;
      const seqAtAgentDrop = onA.lastSeq;
      await waitFor(() => onA.lastSeq >= seqAtAgentDrop + MISSED_WHILE_AWAY, {
        message: 'the room moving on while the agent is away',
      });
      await onB.connect(restarted.url);
      await waitFor(() => onB.lastSeq > onA.lastSeq - 5, { message: 'the agent caught up' });
      // Both chat live on their new instances for a while before the count.
      const caughtUpAt = onA.lastSeq;
      await waitFor(
        () => onA.lastSeq >= caughtUpAt + MISSED_WHILE_AWAY && onB.lastSeq >= caughtUpAt + MISSED_WHILE_AWAY,
        { message: 'both clients chatting after the moves' },
      );
    } finally {
      clearInterval(poster);
    }
    // Posts sent just before the stop may still be queued on their connection (a loaded instance
    // handles them seconds later): the store is read once each client's last post came back, so
    // it holds every message the clients will ever see.
    await waitFor(() => clients.every((client) => client.lastPostBack), {
      timeoutMs: 30_000,
      message: "each client's last post stored and delivered back",
    });

    // Every message the room holds, from the store.
    const token = await issuer.token(agent);
    const stored: number[] = [];
    for (;;) {
      const res = await fetch(
        `${b.url}/api/v1/chat/${ticketId}/messages?afterSeq=${stored.at(-1) ?? 0}&limit=100`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const page = ((await res.json()) as { items: { seq: number }[] }).items.map((m) => m.seq);
      if (page.length === 0) break;
      stored.push(...page);
    }
    const total = stored.length;
    expect(stored).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    await waitFor(() => onA.lastSeq === total && onB.lastSeq === total, {
      timeoutMs: 15_000,
      message: `both clients at seq ${total}`,
    }).catch((error: unknown) => {
      const state = clients.map((c) => ({ last: c.lastSeq, live: c.liveSeqs.map((l) => l.slice(-8)) }));
      throw new Error(`${String(error)}: ${JSON.stringify(state)}`);
    });
    for (const client of clients) {
      expect(client.applied.map((m) => m.seq)).toEqual(stored);
      // No connection was sent the same message twice, nor out of order.
      for (const live of client.liveSeqs)
        expect(live.every((seq, i) => i === 0 || seq > live[i - 1]!)).toBe(true);
    }
    expect(onA.closeCodes[0]).toBe(1001);
    expect(onA.resynced).toBeGreaterThan(0);
    expect(onB.resynced).toBeGreaterThan(0);
    console.info(
      `realtime restart: ${total} messages; the requester's client closed ${onA.closeCodes.length} time(s) ` +
        `[${onA.closeCodes.join(', ')}], resynced ${onA.resynced}; the agent's resynced ${onB.resynced}; ` +
        `both hold 1..${total} with no gap or repeat`,
    );
  }, 120_000);
});
