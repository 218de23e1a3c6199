import mongoose from 'mongoose';
import {
  kafkaBrokers,
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
  type TestUser,
} from '@support-center/testing';
import { createTicket, startService, type CreateResult, type ServiceEnv } from './support/services';
import { readTopic } from './support/topic';

/**
 * Issue 22, fault 2: the ticket service killed with SIGKILL in the middle of a write burst and
 * started again on the same database. Every ticket that was written (answered 201, or written
 * just before the kill without an answer) has its ticket.created on the topic; the outbox drains.
 */
const BURST = 300;
const CONCURRENCY = 10;
const KILL_AFTER = 80;
const requester: TestUser = { id: 'u-proof-killed', username: 'killed', role: 'employee' };

describe('the ticket service killed with SIGKILL mid-load and restarted', () => {
  const ns = testNamespace('proof_sigkill');
  let issuer: TestIssuer;
  let env: ServiceEnv;
  let ticket: ServiceProcess | undefined;
  const db = mongoose.createConnection();

  beforeAll(async () => {
    issuer = await startTestIssuer();
    env = {
      kafkaBrokers: kafkaBrokers().join(','),
      mongoUrl: process.env.MONGO_URL ?? '',
      database: ns.database('tickets'),
      jwksUrl: issuer.jwksUrl,
      topicPrefix: ns.topicPrefix,
    };
    await db.openUri(process.env.MONGO_URL ?? '', { dbName: env.database });
  }, 60_000);

  afterAll(async () => {
    await ticket?.stop();
    await db.close();
    await issuer?.close();
  });

  it('drains the outbox after the restart: every written ticket has its ticket.created', async () => {
    const token = await issuer.token(requester);
    const first = await startService('ticket', env);
    ticket = first;

    const results: CreateResult[] = [];
    let next = 0;
    let killed: Promise<number | null> | undefined;
    const worker = async () => {
      while (next < BURST) {
        const n = ++next;
        const result = await createTicket(first.url, token, `burst ${n}`);
        results.push(result);
        if (result.status === 0) return; // the process is gone
        if (!killed && results.length >= KILL_AFTER) killed = first.stop('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await killed;
    expect(first.child.signalCode).toBe('SIGKILL');

    const answered = results.filter((r) => r.status === 201).map((r) => r.id!);
    const cut = results.filter((r) => r.status === 0).length;
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(results.filter((r) => r.status !== 201 && r.status !== 0)).toEqual([]);

    // The same database, a new process: its relay finds what the killed one left in the outbox.
    // Documents the dead relay had claimed wait for their lease (30 s) to expire.
    const tickets = db.collection('tickets');
    const pending = () => tickets.countDocuments({ '_outbox.0': { $exists: true } });
    const leftPending = await pending();
    const restartedAt = Date.now();
    ticket = await startService('ticket', env);
    await waitFor(async () => (await pending()) === 0, { timeoutMs: 60_000, message: 'the outbox to drain' });
    const drainMs = Date.now() - restartedAt;

    const written = (await tickets.find({}, { projection: { _id: 1 } }).toArray()).map((t) => String(t._id));
    expect(written).toEqual(expect.arrayContaining(answered));

    const events = await readTopic(kafkaBrokers(), ns.topic('tickets'), (seen) => {
      const published = new Set(seen.filter((e) => e.type === 'ticket.created').map((e) => e.subject));
      return written.every((id) => published.has(id));
    });
    const created = events.filter((e) => e.type === 'ticket.created');
    const published = new Set(created.map((e) => e.subject));
    expect(written.filter((id) => !published.has(id))).toEqual([]);
    // No event for a write that did not happen.
    expect([...published].filter((id) => !written.includes(id))).toEqual([]);
    const republished = created.length - new Set(created.map((e) => e.id)).size;
    console.info(
      `SIGKILL after ${KILL_AFTER} answers: ${answered.length} answered 201, ${cut} cut, ${leftPending} left in the outbox, ` +
        `${written.length} written, all ${published.size} published (${republished} republished with the same ` +
        `event id, at-least-once); outbox empty ${drainMs} ms after the restart began`,
    );
  }, 120_000);
});
