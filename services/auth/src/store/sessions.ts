import type { CloudEvent, Outbox } from '@support-center/events';
import type { Role } from '@support-center/service-kit';
import type { EndReason, Session } from '../domain/sessions';
import type { AuthCollections, SessionDoc } from './collections';

export type RefreshOutcome =
  { kind: 'rotated'; session: Session } | { kind: 'reused'; session: Session } | { kind: 'unknown' };

/** Ended sessions are kept this long (for reuse detection and audits), then deleted once published. */
const ENDED_RETENTION_MS = 3_600_000;

/** Sessions, one per login; each ends once (logout, expiry or revocation), with its event. */
export function sessionStore(collections: AuthCollections, outbox: Outbox) {
  const sessions = collections.sessions;

  async function create(session: Session, events: CloudEvent[]): Promise<void> {
    const { id, ...rest } = session;
    await outbox.insertOne(sessions, { _id: id, ...rest, usedHashes: [] }, events);
  }

  async function findById(id: string): Promise<Session | null> {
    const doc = await sessions.findOne({ _id: id });
    return doc && toSession(doc);
  }

  /**
   * Exchanges the refresh token hashed `presented` for `next`: atomically, so of two requests with
   * the same token one rotates and the other finds it used. A token that was already exchanged
   * is reported as reuse.
   */
  async function rotate(id: string, presented: string, next: string, now: Date): Promise<RefreshOutcome> {
    const rotated = await sessions.findOneAndUpdate(
      { _id: id, refreshHash: presented, endedAt: null, expiresAt: { $gt: now } },
      { $set: { refreshHash: next }, $push: { usedHashes: presented } },
      { returnDocument: 'after' },
    );
    if (rotated) return { kind: 'rotated', session: toSession(rotated) };
    const doc = await sessions.findOne({ _id: id });
    if (doc && doc.usedHashes.includes(presented)) return { kind: 'reused', session: toSession(doc) };
    return { kind: 'unknown' };
  }

  /**
   * Ends a live session with its event; false when it had already ended (another request or
   * instance did it first), so each end is counted and published once.
   */
  async function end(id: string, reason: EndReason, events: CloudEvent[], now: Date): Promise<boolean> {
    const result = await outbox.updateOne(
      sessions,
      { _id: id, endedAt: null },
      { $set: { endedAt: now, endReason: reason } },
      events,
    );
    return result.modifiedCount === 1;
  }

  /** Sessions past their expiry that have not been ended yet. */
  async function findExpired(now: Date, limit = 500): Promise<Session[]> {
    const docs = await sessions
      .find({ endedAt: null, expiresAt: { $lte: now } })
      .limit(limit)
      .toArray();
    return docs.map(toSession);
  }

  /**
   * A user's sessions that have not ended, expired or not: one past its end whose sweep has not
   * come yet may still have access tokens in use, which ending it as revoked refuses too.
   */
  async function findOpenOfUser(userId: string): Promise<Session[]> {
    const docs = await sessions.find({ userId, endedAt: null }).toArray();
    return docs.map(toSession);
  }

  /** Live sessions by role, counted in the database so every instance reports the same. */
  async function countLiveByRole(roles: readonly Role[], now: Date): Promise<Map<string, number>> {
    // One count per role: FerretDB computes only the first accumulator of a $group reliably.
    const counts = await Promise.all(
      roles.map((role) => sessions.countDocuments({ role, endedAt: null, expiresAt: { $gt: now } })),
    );
    return new Map(roles.map((role, i) => [role, counts[i] ?? 0]));
  }

  /** Deletes sessions that ended a while ago and whose events have all left. */
  async function purgeEnded(now: Date): Promise<number> {
    const result = await sessions.deleteMany({
      endedAt: { $lte: new Date(now.getTime() - ENDED_RETENTION_MS) },
      '_outbox.0': { $exists: false },
    });
    return result.deletedCount;
  }

  return { create, findById, rotate, end, findExpired, findOpenOfUser, countLiveByRole, purgeEnded };
}

export type SessionStore = ReturnType<typeof sessionStore>;

function toSession(doc: SessionDoc): Session {
  return {
    id: doc._id,
    userId: doc.userId,
    username: doc.username,
    role: doc.role,
    method: doc.method,
    createdAt: new Date(doc.createdAt),
    expiresAt: new Date(doc.expiresAt),
    refreshHash: doc.refreshHash,
    endedAt: doc.endedAt ? new Date(doc.endedAt) : null,
    endReason: doc.endReason ?? null,
  };
}
