import { groupCommit, writeErrorsOf, type GroupMember } from '@support-center/store';
import { mongo } from 'mongoose';

/** Most documents one grouped insert carries. */
const MAX_GROUP = 100;

/** Inserts one document; resolves once it is stored, with what `insertOne` answers. */
export type GroupedInsert = (document: mongo.Document) => Promise<mongo.InsertOneResult>;

/**
 * Single-document inserts into `collection`, written with one command per burst (`groupCommit`):
 * a document that finds no insert in flight is written at once with `insertOne`; those that arrive
 * while one is in flight wait for it, then go together in one unordered `insertMany`. On an engine
 * that takes one write at a time per database (FerretDB on SQLite) a burst of creations then costs
 * one command instead of one each. A document the group refused (a duplicate key), and every
 * document of a group the driver would not send (one of them too large), is inserted again alone,
 * so each caller gets the error its own insert gives. A group that failed otherwise (a lost
 * connection) fails all its callers, as it would have failed their inserts in flight.
 */
export function insertGroups(collection: mongo.Collection): GroupedInsert {
  return groupCommit<mongo.Document, mongo.InsertOneResult>(async (group) => {
    const [only] = group;
    if (group.length === 1 && only) return settle(only, collection.insertOne(only.item));
    let refused = new Set<number>();
    try {
      await collection.insertMany(
        group.map((member) => member.item),
        { ordered: false },
      );
    } catch (error) {
      const positions = notSent(error) ? group.map((_, index) => index) : writeErrorPositions(error);
      if (!positions) throw error;
      refused = new Set(positions);
    }
    await Promise.all(
      group.map((member, index) =>
        refused.has(index)
          ? settle(member, collection.insertOne(member.item))
          : member.resolve({ acknowledged: true, insertedId: member.item._id }),
      ),
    );
  }, MAX_GROUP);
}

type Member = GroupMember<mongo.Document, mongo.InsertOneResult>;

async function settle(member: Member, insert: Promise<mongo.InsertOneResult>): Promise<void> {
  try {
    member.resolve(await insert);
  } catch (error) {
    member.reject(error);
  }
}

/** An error the driver raises before sending anything: none of the documents was written. */
function notSent(error: unknown): boolean {
  return error instanceof mongo.MongoInvalidArgumentError || error instanceof mongo.BSON.BSONError;
}

/**
 * The positions of the documents an unordered insert refused one by one (the others are stored);
 * undefined when the command failed as a whole, so any of them may be missing.
 */
function writeErrorPositions(error: unknown): number[] | undefined {
  const list = writeErrorsOf(error);
  if (list.length === 0 || list.some((e) => typeof e.index !== 'number')) return undefined;
  return list.map((e) => e.index as number);
}
