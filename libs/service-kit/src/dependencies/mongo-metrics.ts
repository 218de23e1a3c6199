import type { EventEmitter } from 'node:events';
import type { mongo } from 'mongoose';
import type { Instruments } from '@support-center/telemetry';

/** Commands that are the driver's own housekeeping, not the service's queries. */
const DRIVER_COMMANDS = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'endSessions',
  'buildInfo',
  'saslStart',
  'saslContinue',
]);

/** The fields of the driver's command monitoring events read here (pool events carry none of them). */
interface CommandEvent {
  requestId: number;
  commandName: string;
  command: Record<string, unknown>;
  duration: number;
  reply?: { ok?: number; writeErrors?: unknown[]; writeConcernError?: unknown };
}

/**
 * Feeds the db_* families from the driver's pool and command monitoring events. Returns a
 * function that detaches it (the gauges stop reporting this client).
 */
export function recordMongoMetrics(client: mongo.MongoClient, metrics: Instruments): () => void {
  const pool = { open: 0, checkedOut: 0, waiting: 0 };
  const collections = new Map<number, string>();

  const listeners: Record<string, (event: CommandEvent) => void> = {
    connectionCreated: () => void (pool.open += 1),
    connectionClosed: () => void (pool.open = Math.max(0, pool.open - 1)),
    connectionCheckOutStarted: () => void (pool.waiting += 1),
    connectionCheckOutFailed: () => void (pool.waiting = Math.max(0, pool.waiting - 1)),
    connectionCheckedOut: () => {
      pool.waiting = Math.max(0, pool.waiting - 1);
      pool.checkedOut += 1;
      metrics.db_pool_checkouts_total.add(1);
    },
    connectionCheckedIn: () => void (pool.checkedOut = Math.max(0, pool.checkedOut - 1)),
    commandStarted: (event) => {
      const collection = event.command[event.commandName];
      if (typeof collection === 'string' && !DRIVER_COMMANDS.has(event.commandName)) {
        collections.set(event.requestId, collection);
      }
    },
    // A write that breaks a unique index still "succeeds" as a command, with writeErrors in its reply.
    commandSucceeded: (event) => recordCommand(event, failedWrite(event.reply) ? 'error' : 'success'),
    commandFailed: (event) => recordCommand(event, 'error'),
  };

  function recordCommand(
    event: { requestId: number; commandName: string; duration: number },
    status: string,
  ) {
    const table = collections.get(event.requestId);
    if (table === undefined) return;
    collections.delete(event.requestId);
    const labels = { query_type: event.commandName, table };
    metrics.db_queries_total.add(1, { ...labels, status });
    metrics.db_query_duration_seconds.record(event.duration / 1000, labels);
  }

  const observePool = {
    // The pool's maximum as the driver resolved it (the seed's SQLAlchemy pool size means the same):
    // pool alerts divide checkouts by it. The connections open now are db_pool_connections_open.
    size: (r: { observe(v: number): void }) => r.observe(client.options.maxPoolSize),
    open: (r: { observe(v: number): void }) => r.observe(pool.open),
    checkedOut: (r: { observe(v: number): void }) => r.observe(pool.checkedOut),
    overflow: (r: { observe(v: number): void }) => r.observe(pool.waiting),
  };
  metrics.db_pool_size.addCallback(observePool.size);
  metrics.db_pool_connections_open.addCallback(observePool.open);
  metrics.db_pool_checked_out.addCallback(observePool.checkedOut);
  metrics.db_pool_overflow.addCallback(observePool.overflow);
  // The driver's typed overloads cannot take a table of listeners; it is an EventEmitter underneath.
  const emitter = client as unknown as EventEmitter;
  for (const [name, listener] of Object.entries(listeners)) emitter.on(name, listener);

  return () => {
    for (const [name, listener] of Object.entries(listeners)) emitter.off(name, listener);
    metrics.db_pool_size.removeCallback(observePool.size);
    metrics.db_pool_connections_open.removeCallback(observePool.open);
    metrics.db_pool_checked_out.removeCallback(observePool.checkedOut);
    metrics.db_pool_overflow.removeCallback(observePool.overflow);
  };
}

function failedWrite(reply: CommandEvent['reply']): boolean {
  return (
    reply !== undefined &&
    (reply.ok === 0 || (reply.writeErrors?.length ?? 0) > 0 || !!reply.writeConcernError)
  );
}
