import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../logger';
import type { Dependency } from './dependency';
import { keepTrying } from './retry';

export interface MongoDependencyOptions {
  url: string;
  dbName: string;
  logger: Logger;
}

export interface MongoDependency extends Dependency {
  /** The service's own database connection; usable once connected, buffering until then. */
  readonly connection: Connection;
}

/**
 * The service's MongoDB connection. The first connection is retried in the background until it
 * succeeds; after that the driver's own monitoring reconnects.
 */
export function mongoDependency({ url, dbName, logger }: MongoDependencyOptions): MongoDependency {
  const connection = mongoose.createConnection();
  const stop = keepTrying(
    async () => {
      await connection.openUri(url, { dbName, serverSelectionTimeoutMS: 2000 });
    },
    { what: 'MongoDB', logger },
  );

  return {
    name: 'mongodb',
    required: true,
    connection,
    async check() {
      if (!connection.db) throw new Error('not connected');
      await connection.db.command({ ping: 1 });
    },
    async close() {
      stop();
      await connection.close();
    },
  };
}
