import mongoose, { type Collection, type Connection } from 'mongoose';

/** Collection methods that hand back a cursor (to chain `.limit()`, `.toArray()`) rather than a promise. */
const CURSOR_METHODS = ['find', 'aggregate', 'listIndexes', 'listSearchIndexes', 'watch'] as const;

/**
 * A cursor was asked for before the first connection to MongoDB opened. The driver's own
 * not-connected error, so a request meeting it gets the same 503 as any unreachable database.
 */
export class CursorBeforeConnectionError extends mongoose.mongo.MongoNotConnectedError {
  constructor(collection: string, method: string) {
    super(`MongoDB is not connected yet: ${collection}.${method}() cannot run`);
  }
}

/**
 * Until its first connection opens, mongoose queues every collection call and hands back a
 * promise, even for the methods that return a cursor. A caller chaining `.limit()` on it gets a
 * TypeError (which it handles), while the promise nobody holds rejects ten seconds later with
 * "buffering timed out": an unhandled rejection, which ends the process (a background sweep ended
 * the auth service that way while its MongoDB was starting). So, until the connection opens,
 * those methods throw CursorBeforeConnectionError at once; calls that return promises still wait.
 */
export function refuseCursorsBeforeConnecting(connection: Connection): void {
  const guarded = new WeakSet<Collection>();
  const collection = connection.collection.bind(connection);
  connection.collection = ((...args: Parameters<Connection['collection']>) => {
    const opened = collection(...args);
    if (!guarded.has(opened)) {
      guarded.add(opened);
      guard(opened);
    }
    return opened;
  }) as Connection['collection'];
}

function guard(collection: Collection): void {
  // `buffer` is mongoose's own flag: true until the connection first opens.
  const target = collection as unknown as Record<string, unknown> & { buffer?: boolean };
  for (const method of CURSOR_METHODS) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function (this: unknown, ...args: unknown[]) {
      if (target.buffer) throw new CursorBeforeConnectionError(collection.name, method);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}
