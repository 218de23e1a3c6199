import {
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
  type TestUser,
} from '@support-center/testing';
import { startOwnEngine, type OwnEngine } from './support/engines';
import { createTicket, startService, waitForReady, type CreateResult } from './support/services';
import { RecordingSocket, repeated, ticketIdOf, type Frame } from './support/sockets';

/**
 * Issue 22, fault 1: Kafka down for 30 s under steady load. Writes never touch Kafka (the
 * transactional outbox holds their events), so they keep succeeding; once Kafka is back every
 * event goes out and reaches the notification socket, once. Nobody is notified of their own
 * action, and a new ticket concerns nobody but its requester, so its ticket.created reaches no
 * socket: each ticket the requester creates is commented on by an agent at once, and the
 * requester's socket must receive the ticket.commented of every accepted comment, once.
 */
const OUTAGE_MS = 30_000;
const RATE = 5;
const requester: TestUser = { id: 'u-proof-requester', username: 'requester', role: 'employee' };
/** Comments on each of the requester's tickets; the requester is notified of it. */
const agent: TestUser = { id: 'u-proof-agent', username: 'agent', role: 'agent' };

interface Write {
  ticket: CreateResult;
  /** POST /api/v1/tickets/:id/comments by the agent, once the ticket was created (0: refused or cut). */
  comment?: { status: number; id?: string; body: unknown };
}

/** POST /api/v1/tickets/:id/comments; a refused or cut connection is status 0. */
async function comment(baseUrl: string, token: string, ticketId: string): Promise<Write['comment']> {
  try {
    const res = await fetch(`${baseUrl}/api/v1/tickets/${ticketId}/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'Looking into it', internal: false }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => undefined)) as { id?: string } | undefined;
    return { status: res.status, id: res.status === 201 ? body?.id : undefined, body };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/**
 * Every 1/rate seconds (at most `maxInFlight` at once, so a slow service is not buried under a
 * growing queue) the requester creates a ticket and the agent comments on it, until stopped.
 */
function steadyCommentedTickets(
  baseUrl: string,
  tokens: { requester: string; agent: string },
  { perSecond, maxInFlight = 20, label }: { perSecond: number; maxInFlight?: number; label: string },
) {
  const results: Write[] = [];
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const timer = setInterval(() => {
    if (inFlight.size >= maxInFlight) return;
    const request = (async () => {
      const ticket = await createTicket(baseUrl, tokens.requester, `${label} ${++n}`);
      const write: Write = { ticket };
      if (ticket.id) write.comment = await comment(baseUrl, tokens.agent, ticket.id);
      results.push(write);
    })().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }, 1000 / perSecond);
  return {
    results,
    /** Stops sending and waits for the writes in flight. */
    async stop(): Promise<Write[]> {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return results;
    },
  };
}

/** The comment id of a ticket.commented frame. */
const commentIdOf = (frame: Frame) => String((frame.data as { commentId?: unknown }).commentId);

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

  it('keeps answering writes with 201, then delivers the notification of every comment exactly once', async () => {
    const tokens = { requester: await issuer.token(requester), agent: await issuer.token(agent) };
    const commented = () => socket.notifications('ticket.commented');
    const load = steadyCommentedTickets(ticket.url, tokens, { perSecond: RATE, label: 'kafka-down' });
    await waitFor(() => commented().length >= 10, {
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
    expect(results.filter((r) => r.ticket.status !== 201 || r.comment?.status !== 201)).toEqual([]);
    const comments = results.map((r) => r.comment!.id!);
    const tickets = results.map((r) => r.ticket.id!);

    const recoveredAt = Date.now();
    await waitFor(
      () => {
        const seen = new Set(commented().map(commentIdOf));
        return comments.every((id) => seen.has(id));
      },
      { timeoutMs: 90_000, intervalMs: 250, message: 'every ticket.commented on the notification socket' },
    );
    const drainMs = Date.now() - recoveredAt;
    // Anything late would show up here as a repeat.
    await new Promise((settle) => setTimeout(settle, 2_000));

    const delivered = commented();
    expect(repeated(delivered.map(commentIdOf))).toEqual({});
    expect(new Set(delivered.map(commentIdOf))).toEqual(new Set(comments));
    // One comment per ticket: every ticket accepted reached the socket through its comment.
    expect(delivered.map(ticketIdOf).sort()).toEqual([...tickets].sort());
    expect(socket.closeCode).toBeUndefined();
    await waitForReady(ticket);
    await waitForReady(realtime);
    console.info(
      `kafka down ${outageMs} ms: ${results.length} tickets commented on (${duringOutage.length} during the outage), ` +
        `${delivered.length} ticket.commented delivered, all once, the last ${drainMs} ms after the load stopped`,
    );
  }, 150_000);
});
