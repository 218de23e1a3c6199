import type { mongo } from 'mongoose';
import { isDuplicateKeyError } from '@support-center/store';
import { ConsumerConfigError } from '../errors';

/**
 * What an idempotent write did: `applied`, `duplicate` (this event id was already stored with the
 * effect: a redelivery), or `missing` (no upsert and no document matched).
 */
export type ApplyOutcome = 'applied' | 'duplicate' | 'missing';

/** The array, in each document an event changed, holding the ids of the events applied to it. */
export const APPLIED_EVENTS_FIELD = '_events';

/** The driver calls made here, typed loosely: the helpers add `_id` and `_events` to any schema. */
interface Untyped {
  updateOne(
    filter: mongo.Document,
    update: mongo.Document,
    options: mongo.UpdateOptions,
  ): Promise<mongo.UpdateResult>;
  insertOne(document: mongo.Document): Promise<unknown>;
  countDocuments(filter: mongo.Document, options: mongo.CountDocumentsOptions): Promise<number>;
}

export interface ApplyOnceOptions {
  /** Create the document when none matches (default true); `filter` must then name its `_id`. */
  upsert?: boolean;
}

/**
 * Applies `update` to the one document `filter` selects unless `eventId` is already recorded in
 * it, recording the id in the same write: the effect and the proof it happened cannot part.
 * Pass the driver collection (`Model.collection`), since a mongoose model would strip `_events`.
 *
 * @example
 * const outcome = await applyOnce(users.collection, { _id: event.data.userId },
 *   { $set: { username: event.data.username } }, event.id);
 */
export async function applyOnce<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  filter: mongo.Filter<T>,
  update: mongo.UpdateFilter<T>,
  eventId: string,
  { upsert = true }: ApplyOnceOptions = {},
): Promise<ApplyOutcome> {
  // A replayed upsert finds no document "without this event" and inserts; only a unique _id
  // turns that second insert into a duplicate key instead of a second document.
  if (upsert && !('_id' in filter))
    throw new ConsumerConfigError('applyOnce with upsert needs _id in its filter');
  const plain = collection as unknown as Untyped;
  const pushes = (update as mongo.Document).$push as mongo.Document | undefined;
  try {
    const result = await plain.updateOne(
      { ...(filter as mongo.Document), [APPLIED_EVENTS_FIELD]: { $ne: eventId } },
      { ...update, $push: { ...pushes, [APPLIED_EVENTS_FIELD]: eventId } },
      { upsert },
    );
    if (result.matchedCount > 0 || result.upsertedCount > 0) return 'applied';
    return (await alreadyApplied(plain, filter as mongo.Document, eventId)) ? 'duplicate' : 'missing';
  } catch (error) {
    // 11000 also comes from another unique index the effect breaks: a real error, kept.
    if (isDuplicateKeyError(error) && (await alreadyApplied(plain, filter as mongo.Document, eventId)))
      return 'duplicate';
    throw error;
  }
}

/**
 * Inserts `document` with `_id` derived from the event id (`<eventId>` or `<eventId>:<key>` when
 * one event inserts several documents); the duplicate key of a redelivery means `duplicate`.
 *
 * @example
 * await insertOnce(messages.collection, event.id, { ticketId: event.data.ticketId, body });
 */
export async function insertOnce<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  eventId: string,
  document: Omit<T, '_id'>,
  key?: string,
): Promise<Exclude<ApplyOutcome, 'missing'>> {
  const plain = collection as unknown as Untyped;
  const _id = key === undefined ? eventId : `${eventId}:${key}`;
  try {
    await plain.insertOne({ ...document, _id });
    return 'applied';
  } catch (error) {
    // Only our _id makes it a redelivery; a clash on another unique index is a real error.
    if (isDuplicateKeyError(error) && (await plain.countDocuments({ _id }, { limit: 1 })) > 0)
      return 'duplicate';
    throw error;
  }
}

async function alreadyApplied(
  collection: Untyped,
  filter: mongo.Document,
  eventId: string,
): Promise<boolean> {
  const found = await collection.countDocuments({ ...filter, [APPLIED_EVENTS_FIELD]: eventId }, { limit: 1 });
  return found > 0;
}
