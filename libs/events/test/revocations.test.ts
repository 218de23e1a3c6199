import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { testNamespace, waitFor } from '@support-center/testing';
import {
  createEvent,
  createRevocationList,
  REVOCATIONS_COLLECTION,
  RevocationStoreUnavailableError,
  type CloudEvent,
  type RevocationList,
} from '../src';

const context = { topic: 'auth', partition: 0, offset: '0', attempt: 1 };
const source = '/support-center/test';

function sessionRevoked(
  userId: string,
  sessionId: string,
  tokensExpireBy: Date,
): CloudEvent<'session.revoked'> {
  return createEvent(
    'session.revoked',
    { userId, sessionId, role: 'employee', reason: 'logout', tokensExpireBy: tokensExpireBy.toISOString() },
    { source },
  ) as CloudEvent<'session.revoked'>;
}

function userUpdated(userId: string, active: boolean, time: Date): CloudEvent<'user.updated'> {
  return createEvent(
    'user.updated',
    {
      userId,
      username: `user-${userId}`,
      displayName: 'Someone',
      email: null,
      role: 'employee',
      active,
      loginMethod: 'password',
    },
    { source, time },
  ) as CloudEvent<'user.updated'>;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const inMinutes = (n: number) => new Date(Date.now() + n * 60_000);

describe('the revocation list', () => {
  const ns = testNamespace('revocations');
  let db: Connection;
  const lists: RevocationList[] = [];

  beforeAll(async () => {
    db = await mongoose.createConnection(ns.mongoUrl()).asPromise();
  });
  afterAll(async () => {
    await Promise.all(lists.map((list) => list.worker.stop()));
    await db?.close();
  });

  function list(options: Partial<Parameters<typeof createRevocationList>[0]> = {}): RevocationList {
    const made = createRevocationList({ connection: db, refreshIntervalMs: 100, ...options });
    lists.push(made);
    return made;
  }

  it('refuses every token of a revoked session, and only those', async () => {
    const revocations = list();
    const sessionId = randomUUID();
    await revocations.handlers['session.revoked'](sessionRevoked('u1', sessionId, inMinutes(15)), context);
    expect(revocations.isRevoked({ id: 'u1', sessionId, issuedAt: seconds(new Date()) })).toBe(true);
    expect(revocations.isRevoked({ id: 'u1', sessionId: randomUUID(), issuedAt: 1 })).toBe(false);
    expect(revocations.isRevoked({ id: 'u2' })).toBe(false);
    // A replay changes nothing.
    await revocations.handlers['session.revoked'](sessionRevoked('u1', sessionId, inMinutes(15)), context);
    expect(await db.collection(REVOCATIONS_COLLECTION).countDocuments({ sessionId })).toBe(1);
  });

  it('refuses the tokens a deactivated user got before, not the ones issued after', async () => {
    const revocations = list();
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000 + 500); // x.5 s, 10 s ago
    await revocations.handlers['user.updated'](userUpdated('u3', false, at), context);
    expect(revocations.isRevoked({ id: 'u3', sessionId: randomUUID(), issuedAt: seconds(at) - 60 })).toBe(
      true,
    );
    // Issued within the deactivation's second: iat cannot tell it from an older one.
    expect(revocations.isRevoked({ id: 'u3', issuedAt: seconds(at) })).toBe(true);
    // Without iat there is no telling either.
    expect(revocations.isRevoked({ id: 'u3' })).toBe(true);
    expect(revocations.isRevoked({ id: 'u3', issuedAt: seconds(at) + 1 })).toBe(false);
    // An update that keeps the user active revokes nothing.
    await revocations.handlers['user.updated'](userUpdated('u4', true, new Date()), context);
    expect(revocations.isRevoked({ id: 'u4', issuedAt: 1 })).toBe(false);
  });

  it('reaches the other instances through the database, tells them, and is ready once loaded', async () => {
    const writer = list();
    const reader = list();
    const told: number[] = [];
    reader.onRevoked(() => told.push(reader.size));
    await expect(reader.readiness.check()).rejects.toThrow(/not loaded/);
    await reader.worker.start();
    await waitFor(() => reader.readiness.check().then(() => true), {
      timeoutMs: 10_000,
      ignoreErrors: true,
      message: 'the reader to load the stored revocations',
    });

    const sessionId = randomUUID();
    await writer.handlers['session.revoked'](sessionRevoked('u5', sessionId, inMinutes(15)), context);
    await waitFor(() => reader.isRevoked({ id: 'u5', sessionId }), {
      timeoutMs: 10_000,
      message: 'the other instance to refuse the session',
    });
    expect(told.length).toBeGreaterThan(0);
  });

  it('forgets revocations once their tokens have expired, and deletes them', async () => {
    let now = Date.now();
    const revocations = list({ now: () => new Date(now), sweepIntervalMs: 1 });
    const sessionId = randomUUID();
    await revocations.handlers['session.revoked'](
      sessionRevoked('u6', sessionId, new Date(now + 60_000)),
      context,
    );
    expect(revocations.isRevoked({ id: 'u6', sessionId })).toBe(true);

    now += 60_000 + 61_000; // past the tokens' end and the clock margin
    expect(revocations.isRevoked({ id: 'u6', sessionId })).toBe(false);
    await revocations.refresh();
    expect(await db.collection(REVOCATIONS_COLLECTION).countDocuments({ sessionId })).toBe(0);

    // One that arrives after its tokens have expired is not stored at all.
    const late = randomUUID();
    await revocations.handlers['session.revoked'](
      sessionRevoked('u6', late, new Date(now - 120_000)),
      context,
    );
    expect(await db.collection(REVOCATIONS_COLLECTION).countDocuments({ sessionId: late })).toBe(0);
  });

  it('without MongoDB: the handler fails (the consumer retries), the worker keeps going', async () => {
    const offline = mongoose.createConnection(); // never opened
    const revocations = createRevocationList({ connection: offline, refreshIntervalMs: 20 });
    await expect(
      revocations.handlers['session.revoked'](sessionRevoked('u7', randomUUID(), inMinutes(15)), context),
    ).rejects.toBeInstanceOf(RevocationStoreUnavailableError);
    await expect(revocations.refresh()).rejects.toBeInstanceOf(RevocationStoreUnavailableError);
    await revocations.worker.start();
    await revocations.worker.stop();
    await expect(revocations.readiness.check()).rejects.toThrow(/not loaded/);
    await offline.close();
  });
});
