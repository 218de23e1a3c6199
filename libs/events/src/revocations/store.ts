import type { Connection, mongo } from 'mongoose';
import { StoreUnavailableError } from '../errors';

/** The collection, in each consuming service's own database, holding the revocations it heard of. */
export const REVOCATIONS_COLLECTION = 'revocations';

/**
 * One revocation: a session (`_id` `session:<sid>`) whose tokens are refused outright, or a user
 * (`_id` `user:<id>`) whose tokens issued before `notBefore` are refused. Kept until `expiresAt`,
 * when every token it concerns has expired anyway.
 */
export interface RevocationDoc {
  _id: string;
  userId: string;
  sessionId?: string;
  notBefore?: Date;
  reason: string;
  expiresAt: Date;
}

export type Revocation =
  | { kind: 'session'; userId: string; sessionId: string; reason: string; expiresAt: Date }
  | { kind: 'user'; userId: string; notBefore: Date; reason: string; expiresAt: Date };

export interface RevocationStore {
  /** Stores a revocation; idempotent, and a replayed older one never shortens a newer one. */
  save(revocation: Revocation): Promise<void>;
  /** Every revocation still in force at `now`. */
  live(now: Date): Promise<Revocation[]>;
  /** Deletes the revocations whose tokens have all expired; resolves with how many went. */
  sweep(now: Date): Promise<number>;
}

/** Thrown instead of letting mongoose buffer a query until its own timeout while disconnected. */
export class RevocationStoreUnavailableError extends StoreUnavailableError {
  constructor() {
    super('MongoDB is not connected');
  }
}

export function revocationStore(connection: Connection): RevocationStore {
  const collection = (): mongo.Collection<RevocationDoc> => {
    // The driver's collection, only once connected: mongoose would buffer the call instead.
    if (connection.readyState !== 1 || !connection.db) throw new RevocationStoreUnavailableError();
    return connection.db.collection<RevocationDoc>(REVOCATIONS_COLLECTION);
  };
  return {
    async save(revocation) {
      const { userId, reason, expiresAt } = revocation;
      if (revocation.kind === 'session') {
        await collection().updateOne(
          { _id: `session:${revocation.sessionId}` },
          { $set: { userId, sessionId: revocation.sessionId, reason }, $max: { expiresAt } },
          { upsert: true },
        );
      } else {
        await collection().updateOne(
          { _id: `user:${userId}` },
          { $set: { userId, reason }, $max: { notBefore: revocation.notBefore, expiresAt } },
          { upsert: true },
        );
      }
    },
    async live(now) {
      const docs = await collection()
        .find({ expiresAt: { $gt: now } })
        .toArray();
      return docs.flatMap((doc): Revocation[] => {
        const expiresAt = new Date(doc.expiresAt);
        if (doc.sessionId)
          return [
            { kind: 'session', userId: doc.userId, sessionId: doc.sessionId, reason: doc.reason, expiresAt },
          ];
        if (doc.notBefore)
          return [
            {
              kind: 'user',
              userId: doc.userId,
              notBefore: new Date(doc.notBefore),
              reason: doc.reason,
              expiresAt,
            },
          ];
        return [];
      });
    },
    async sweep(now) {
      const result = await collection().deleteMany({ expiresAt: { $lte: now } });
      return result.deletedCount;
    },
  };
}
