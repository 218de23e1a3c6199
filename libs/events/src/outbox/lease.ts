import type { mongo } from 'mongoose';
import { OUTBOX_FIELD } from './pending';

/** The field of an aggregate document that says which relay is publishing its events, until when. */
export const LEASE_FIELD = '_outboxLease';

/** Entries that could never be published, moved aside so they do not block the document. */
export const REJECTED_FIELD = '_outboxRejected';

export interface OutboxLease {
  owner: string;
  until: Date;
}

/** The outbox fields of any aggregate document; the relay reads nothing else. */
export type OutboxDocument = {
  _id: unknown;
  _outbox?: string[];
  _outboxLease?: OutboxLease | null;
};

export type OutboxCollection = mongo.Collection<OutboxDocument>;

/** Documents with at least one pending event (a dot path FerretDB and MongoDB both evaluate). */
export const PENDING_FILTER: mongo.Filter<OutboxDocument> = { [`${OUTBOX_FIELD}.0`]: { $exists: true } };

/**
 * A lease `owner` may take: none, an expired one (its holder crashed or stalled), or its own
 * (left behind when this relay could not release it). Expiry compares stored dates: no TTL index.
 */
export function claimable(owner: string, now: Date): mongo.Filter<OutboxDocument> {
  return {
    $or: [
      { [LEASE_FIELD]: null },
      { [`${LEASE_FIELD}.until`]: { $lte: now } },
      { [`${LEASE_FIELD}.owner`]: owner },
    ],
  };
}

export function isClaimable(doc: OutboxDocument, owner: string, now: Date): boolean {
  const lease = doc._outboxLease;
  return !lease || lease.owner === owner || new Date(lease.until).getTime() <= now.getTime();
}

/**
 * Takes the lease of a document with pending events and returns it, or null when it has none or
 * another live relay holds it. One findAndModify: atomic on MongoDB, and on FerretDB because the
 * write guard of `support-engines mongo` lets one write command through at a time.
 */
export function claim(
  collection: OutboxCollection,
  id: unknown,
  owner: string,
  leaseMs: number,
): Promise<OutboxDocument | null> {
  const now = new Date();
  return collection.findOneAndUpdate(
    { $and: [{ _id: id } as mongo.Filter<OutboxDocument>, PENDING_FILTER, claimable(owner, now)] },
    { $set: { [LEASE_FIELD]: { owner, until: new Date(now.getTime() + leaseMs) } } },
    { returnDocument: 'after' },
  );
}

/**
 * Removes exactly the published (and rejected) entries and frees the lease, only while `owner`
 * still holds it; events appended meanwhile stay. Returns the document after, or null when the
 * lease was lost (another relay took it over after it expired).
 */
export function complete(
  collection: OutboxCollection,
  id: unknown,
  owner: string,
  published: readonly string[],
  rejected: readonly string[],
): Promise<OutboxDocument | null> {
  const update: mongo.UpdateFilter<OutboxDocument> = {
    $pullAll: { [OUTBOX_FIELD]: [...published, ...rejected] } as never,
    $unset: { [LEASE_FIELD]: '' },
  };
  if (rejected.length > 0) update.$push = { [REJECTED_FIELD]: { $each: [...rejected] } } as never;
  return collection.findOneAndUpdate(
    { _id: id, [`${LEASE_FIELD}.owner`]: owner } as mongo.Filter<OutboxDocument>,
    update,
    {
      returnDocument: 'after',
    },
  );
}

/** Frees the lease without touching the events (a failed publish, or a stop). */
export async function release(collection: OutboxCollection, id: unknown, owner: string): Promise<void> {
  await collection.updateOne({ _id: id, [`${LEASE_FIELD}.owner`]: owner } as mongo.Filter<OutboxDocument>, {
    $unset: { [LEASE_FIELD]: '' },
  });
}
