import type { mongo } from 'mongoose';
import type { CloudEvent } from '../envelope';
import { OutboxConfigError } from '../errors';
import { insertGroups, type GroupedInsert } from './insert-groups';
import { outboxFields, outboxUpdate } from './pending';
import type { OutboxRelay } from './relay';

/** A document id the relay can read the document back by (an `_id` value, never an operator). */
export type OutboxDocumentId = string | number | mongo.ObjectId;

/**
 * Writes a document and its events as one command, then wakes the relay for that document: the
 * caller never tells the relay what it wrote. Only the collections the relay watches are accepted.
 */
export interface Outbox {
  /**
   * Inserts `document` with `events` in its outbox. Inserts into one collection that arrive while
   * one is in flight are written together with the next command (`insertGroups`).
   */
  insertOne<T extends mongo.Document>(
    collection: mongo.Collection<T>,
    document: mongo.OptionalUnlessRequiredId<T>,
    events: readonly CloudEvent[],
  ): Promise<mongo.InsertOneResult<T>>;
  /**
   * Applies `update` to the one document `filter` names by `_id` (other conditions, such as a
   * version, may be added), appending `events` to its outbox in the same command.
   */
  updateOne<T extends mongo.Document>(
    collection: mongo.Collection<T>,
    filter: mongo.Filter<T> & { _id: OutboxDocumentId },
    update: mongo.UpdateFilter<T>,
    events: readonly CloudEvent[],
  ): Promise<mongo.UpdateResult<T>>;
}

/** The outbox writes of the collections `relay` publishes from. */
export function outboxWriter(relay: Pick<OutboxRelay, 'wake'>, collections: readonly string[]): Outbox {
  const watched = new Set(collections);
  const inserts = new WeakMap<object, GroupedInsert>();
  const insertInto = (collection: object): GroupedInsert => {
    let insert = inserts.get(collection);
    if (!insert) inserts.set(collection, (insert = insertGroups(collection as mongo.Collection)));
    return insert;
  };
  const assertWatched = (collection: { collectionName: string }) => {
    if (!watched.has(collection.collectionName))
      throw new OutboxConfigError(
        `no outbox relay publishes from ${collection.collectionName}: declare it among the service's outbox collections`,
      );
  };
  return {
    async insertOne<T extends mongo.Document>(
      collection: mongo.Collection<T>,
      document: mongo.OptionalUnlessRequiredId<T>,
      events: readonly CloudEvent[],
    ) {
      assertWatched(collection);
      // The outbox field is the library's, beside the caller's own document type. The events are
      // encoded here, in the caller's trace context, before the document joins a group.
      const withEvents = { ...document, ...outboxFields(events) };
      const result = (await insertInto(collection)(withEvents)) as mongo.InsertOneResult<T>;
      if (events.length > 0) relay.wake(collection.collectionName, result.insertedId);
      return result;
    },
    async updateOne(collection, filter, update, events) {
      assertWatched(collection);
      const withEvents = events.length > 0 ? (outboxUpdate(events, update) as typeof update) : update;
      const result = await collection.updateOne(filter, withEvents);
      if (events.length > 0 && result.matchedCount > 0) relay.wake(collection.collectionName, filter._id);
      return result;
    },
  };
}
