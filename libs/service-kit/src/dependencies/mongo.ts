import mongoose, { type Connection } from 'mongoose';
import type { Instruments, Telemetry } from '@support-center/telemetry';
import type { BaseConfig } from '../config';
import type { Logger } from '../logger';
import { refuseCursorsBeforeConnecting } from './cursors-before-connecting';
import { DependencyNotReadyError, type Dependency } from './dependency';
import { recordMongoMetrics } from './mongo-metrics';
import { restartWhenMonitorStuck } from './mongo-monitor';
import { keepTrying } from './retry';

export interface MongoDependencyOptions {
  url: string;
  dbName: string;
  logger: Logger;
  /** Feeds the db_* families; omitted where nothing is measured. */
  metrics?: Instruments;
  /** The most connections the pool opens (MONGO_MAX_POOL_SIZE); db_pool_size reports it. */
  maxPoolSize?: number;
  /** Limits a TCP connect and a handshake, and so how long a stuck driver monitor goes unnoticed. */
  connectTimeoutMS?: number;
}

/** A service's start context: the MongoDB variables of its configuration, its logger and metrics. */
export interface MongoContext {
  config: Pick<BaseConfig, 'MONGO_URL' | 'MONGO_DB' | 'MONGO_MAX_POOL_SIZE'>;
  logger: Logger;
  telemetry: Pick<Telemetry, 'metrics'>;
}

/** The driver's own default, set explicitly so that what db_pool_size reports is what was asked for. */
export const DEFAULT_MONGO_MAX_POOL_SIZE = 100;

/**
 * Rather than the driver's 30 s: a server that takes longer to accept a connection and answer its
 * hello is as good as down for a service answering in milliseconds, and a stuck monitor is noticed
 * after three of these (see restartWhenMonitorStuck).
 */
export const DEFAULT_MONGO_CONNECT_TIMEOUT_MS = 5000;

export interface MongoDependency extends Dependency {
  /** The service's own database connection; usable once connected, buffering until then. */
  readonly connection: Connection;
}

/**
 * The service's MongoDB connection, from its start context (`MONGO_URL`, `MONGO_DB`,
 * `MONGO_MAX_POOL_SIZE`, measured in the db_* families) or from explicit options. The first
 * connection is retried in the background until it succeeds; after that the driver's own
 * monitoring reconnects, and the client is restarted when that monitoring is stuck.
 */
export function mongoDependency(options: MongoDependencyOptions | MongoContext): MongoDependency {
  const {
    url,
    dbName,
    logger,
    metrics,
    maxPoolSize = DEFAULT_MONGO_MAX_POOL_SIZE,
    connectTimeoutMS = DEFAULT_MONGO_CONNECT_TIMEOUT_MS,
  } = 'config' in options ? fromContext(options) : options;
  const connection = mongoose.createConnection();
  refuseCursorsBeforeConnecting(connection);
  let detachMetrics = () => {};
  let stopWatching = async () => {};
  const stop = keepTrying(
    async () => {
      const opening = connection.openUri(url, {
        dbName,
        serverSelectionTimeoutMS: 2000,
        connectTimeoutMS,
        monitorCommands: true,
        maxPoolSize,
      });
      // Each attempt makes a new driver client (set synchronously); measure the current one.
      detachMetrics();
      if (metrics) detachMetrics = recordMongoMetrics(connection.getClient(), metrics);
      await opening;
      // From here on the client is the one for good: the attempts stop once one succeeded.
      stopWatching = restartWhenMonitorStuck(connection.getClient(), logger);
    },
    { what: 'MongoDB', logger },
  );

  return {
    name: 'mongodb',
    required: true,
    connection,
    async check() {
      if (!connection.db) throw new DependencyNotReadyError('not connected');
      await connection.db.command({ ping: 1 });
    },
    async close() {
      stop();
      await stopWatching();
      await connection.close();
      detachMetrics();
    },
  };
}

function fromContext({ config, logger, telemetry }: MongoContext): MongoDependencyOptions {
  return {
    url: config.MONGO_URL,
    dbName: config.MONGO_DB,
    maxPoolSize: config.MONGO_MAX_POOL_SIZE,
    logger,
    metrics: telemetry.metrics,
  };
}
