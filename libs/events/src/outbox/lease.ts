import type { mongo } from 'mongoose';
import { duplicatePositions, isDuplicateKeyError } from '@support-center/store';
import { OUTBOX_FIELD } from './pending';

/**
 * The collection (in the relay connection's database) that holds the relays' leases, one document
 * per aggregate being published. It only ever holds live leases and expired ones the next poll
 * deletes, so it stays a few documents long and a filter scanning it costs nothing, even on
 * FerretDB, which decodes the whole collection for any filter without an `_id` equality.
 */
export const OUTBOX_LEASES_COLLECTION = 'outbox_leases';

/** Entries that could never be published, moved aside so they do not block the document. */
export const REJECTED_FIELD = '_outboxRejected';

/** One relay's claim on an aggregate document: `_id` is `<collection>:<document id>`. */
export interface OutboxLease {
  _id: string;
  owner: string;
  /** Expiry, compared with the relays' clocks (no TTL index). */
  until: Date;
  /** Set by a relay whose claim found the lease held: the holder looks at the document again. */
  wanted?: boolean;
}

/** The outbox fields of any aggregate document; the relay reads nothing else. */
export type OutboxDocument = {
  _id: unknown;
  _outbox?: string[];
  _outboxRejected?: string[];
};

export type OutboxCollection = mongo.Collection<OutboxDocument>;
export type LeaseCollection = mongo.Collection<OutboxLease>;

/**
 * Documents with at least one pending event: entries are strings, and `$type` matches an array's
 * elements. Only the fallback poll uses it (the per-document operations filter on `_id` alone);
 * the local FerretDB tests it in SQL, so the poll decodes only the documents it finds.
 */
export const PENDING_FILTER: mongo.Filter<OutboxDocument> = { [OUTBOX_FIELD]: { $type: 'string' } };

/** The lease `_id` of a document. Two ids printing alike share a lease: slower, never unsafe. */
export function leaseKey(collection: string, id: unknown): string {
  return `${collection}:${String(id)}`;
}

/** Rounds of insert, takeover and mark before a claim gives up (the poll tries again later). */
const CLAIM_ROUNDS = 3;

/**
 * The leases of one relay (`owner`). Every operation is one write command, so each is atomic on
 * MongoDB, and on FerretDB because the write guard of `support-engines mongo` lets one write
 * command through at a time; none reads first and writes after.
 */
export class Leases {
  constructor(
    private readonly collection: LeaseCollection,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * Takes the lease of `key`: true when this relay holds it now. False when another relay holds a
   * live lease: the claim then marks it `wanted`, so its holder looks at the document again after
   * releasing it, and events written after the holder's last read are not left to the poll.
   */
  async claim(key: string): Promise<boolean> {
    for (let round = 0; round < CLAIM_ROUNDS; round += 1) {
      const now = new Date();
      const until = new Date(now.getTime() + this.leaseMs);
      try {
        await this.collection.insertOne({ _id: key, owner: this.owner, until });
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Held: take it over when it expired (its holder crashed or stalled) or is this relay's own
      // (left behind when releasing it failed).
      const taken = await this.collection.updateOne(
        { _id: key, $or: [{ until: { $lte: now } }, { owner: this.owner }] },
        { $set: { owner: this.owner, until }, $unset: { wanted: '' } },
      );
      if (taken.matchedCount > 0) return true;
      const marked = await this.collection.updateOne({ _id: key }, { $set: { wanted: true } });
      if (marked.matchedCount > 0) return false;
      // Released between the insert and the mark: try again.
    }
    return false;
  }

  /**
   * Takes the leases of `keys` with one insert; the few already present (held by another relay,
   * expired, or this relay's own) go through `claim` one by one. Returns the keys held now.
   */
  async claimAll(keys: readonly string[]): Promise<Set<string>> {
    const [only] = keys;
    if (keys.length === 1 && only !== undefined) return (await this.claim(only)) ? new Set(keys) : new Set();
    const until = new Date(Date.now() + this.leaseMs);
    let present: string[] = [];
    try {
      await this.collection.insertMany(
        keys.map((key) => ({ _id: key, owner: this.owner, until })),
        { ordered: false },
      );
    } catch (error) {
      const failed = duplicatePositions(error);
      if (!failed) throw error;
      present = keys.filter((_, index) => failed.includes(index));
    }
    const held = new Set(keys.filter((key) => !present.includes(key)));
    for (const key of present) if (await this.claim(key)) held.add(key);
    return held;
  }

  /**
   * Frees the leases this relay still holds among `keys` with one delete; those another relay asked
   * for meanwhile (`wanted`) are freed one by one. Returns the wanted keys: their documents must be
   * looked at again.
   */
  async releaseAll(keys: readonly string[]): Promise<Set<string>> {
    const [only] = keys;
    if (keys.length === 1 && only !== undefined)
      return (await this.release(only)) ? new Set(keys) : new Set();
    const ids = [...keys];
    const { deletedCount } = await this.collection.deleteMany({
      _id: { $in: ids },
      owner: this.owner,
      wanted: { $ne: true },
    });
    const wanted = new Set<string>();
    if (deletedCount === keys.length) return wanted;
    const left = await this.collection
      .find({ _id: { $in: ids }, owner: this.owner }, { projection: { _id: 1 } })
      .toArray();
    for (const { _id } of left) if (await this.release(_id)) wanted.add(_id);
    return wanted;
  }

  /**
   * Frees the lease if this relay still holds it (after an expiry another relay may). True when
   * another relay asked for the document meanwhile: its events must be looked at again.
   */
  async release(key: string): Promise<boolean> {
    const lease = await this.collection.findOneAndDelete({ _id: key, owner: this.owner });
    return lease?.wanted === true;
  }

  /**
   * The live leases of other relays, by key; expired leases are deleted first (taking one over is
   * allowed anyway), so crashed relays leave nothing behind for long.
   */
  async othersLive(): Promise<Set<string>> {
    const now = new Date();
    const leases = await this.collection.find({}, { projection: { owner: 1, until: 1 } }).toArray();
    if (leases.some((lease) => new Date(lease.until).getTime() <= now.getTime())) {
      await this.collection.deleteMany({ until: { $lte: now } });
    }
    return new Set(
      leases
        .filter((lease) => lease.owner !== this.owner && new Date(lease.until).getTime() > now.getTime())
        .map((lease) => lease._id),
    );
  }
}

/** Reads documents' outboxes by `_id` alone, in one query (served by the `_id` index on FerretDB too). */
export async function readOutboxes(
  collection: OutboxCollection,
  ids: readonly unknown[],
): Promise<OutboxDocument[]> {
  if (ids.length === 0) return [];
  const filter: mongo.Document = { _id: { $in: [...ids] } };
  return collection
    .find(filter as mongo.Filter<OutboxDocument>, { projection: { [OUTBOX_FIELD]: 1 } })
    .toArray();
}

/** The entries of one document to remove once published (or set aside). */
export interface Completion {
  id: unknown;
  published: readonly string[];
  rejected: readonly string[];
}

/**
 * `complete` for many documents in one command: an update per document, each by `_id` alone.
 * Gives back nothing of the documents after: events appended meanwhile were woken by their writer
 * (or marked their lease wanted) and are published by the next pass.
 */
export async function completeAll(
  collection: OutboxCollection,
  completions: readonly Completion[],
): Promise<void> {
  await collection.bulkWrite(
    completions.map(({ id, published, rejected }) => ({
      updateOne: {
        filter: { _id: id } as mongo.Filter<OutboxDocument>,
        update: removal(published, rejected),
      },
    })),
    { ordered: false },
  );
}

function removal(
  published: readonly string[],
  rejected: readonly string[],
): mongo.UpdateFilter<OutboxDocument> {
  const update: mongo.UpdateFilter<OutboxDocument> = {
    $pullAll: { [OUTBOX_FIELD]: [...published, ...rejected] } as never,
  };
  if (rejected.length > 0) update.$push = { [REJECTED_FIELD]: { $each: [...rejected] } } as never;
  return update;
}

/**
 * Removes exactly the published (and rejected) entries, by `_id` alone; events appended meanwhile
 * stay. Returns the document after, or null when it is gone. Called only while holding the lease,
 * before releasing it, so the next holder never sees these entries (unless the lease expired).
 */
export function complete(
  collection: OutboxCollection,
  id: unknown,
  published: readonly string[],
  rejected: readonly string[],
): Promise<OutboxDocument | null> {
  return collection.findOneAndUpdate(
    { _id: id } as mongo.Filter<OutboxDocument>,
    removal(published, rejected),
    {
      returnDocument: 'after',
    },
  );
}
