import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Instruments } from '@support-center/telemetry';
import type { Kafka, Message } from 'kafkajs';
import type { Connection } from 'mongoose';
import { CLOUDEVENTS_CONTENT_TYPE } from '../envelope';
import { OutboxConfigError } from '../errors';
import { Backlog, observeBacklog } from './backlog';
import { Backoff } from './backoff';
import { decodeEntry, entryTime, type OutboxEntry } from './entry';
import {
  complete,
  leaseKey,
  Leases,
  OUTBOX_LEASES_COLLECTION,
  PENDING_FILTER,
  readOutbox,
  type LeaseCollection,
  type OutboxCollection,
  type OutboxDocument,
  type OutboxLease,
} from './lease';
import { recordPublish, type PublishedEvent } from './metrics';
import { ProducerSlot } from './producer';

/** What the relay logs through (a pino logger fits). */
export interface OutboxLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface OutboxRelayOptions {
  connection: Connection;
  /** Collections whose documents may hold an `_outbox`. */
  collections: readonly string[];
  kafka: Kafka;
  metrics: Pick<
    Instruments,
    | 'events_published_total'
    | 'event_publish_duration_seconds'
    | 'outbox_pending_events'
    | 'outbox_oldest_pending_age_seconds'
  >;
  logger?: OutboxLogger;
  /** Prepended to every topic name (tests give each file its own). */
  topicPrefix?: string;
  /** How long a claim lasts: after a crash, another relay publishes the document's events after this. */
  leaseMs?: number;
  /** Fallback scan for events nobody woke the relay for (and the backlog gauges' refresh). */
  pollIntervalMs?: number;
  /** Documents published at the same time. */
  concurrency?: number;
  /** First and longest pause after Kafka or MongoDB failed. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Names this relay in leases; unique per process by default. */
  owner?: string;
}

export interface OutboxRelay {
  readonly owner: string;
  /** Starts polling and publishing; returns at once, even while Kafka or MongoDB are down. */
  start(): void;
  /** Publishes a document's pending events now (call it after the write); no id: scans now. */
  wake(collection?: string, id?: unknown): void;
  /** Finishes the publishes in hand, releases their leases and disconnects the producer. */
  stop(): Promise<void>;
}

interface Job {
  collection: string;
  id: unknown;
}

const silent: OutboxLogger = { warn: () => undefined, error: () => undefined };

/**
 * The outbox relay: publishes the events services store in their documents' `_outbox`
 * (see `outboxFields`/`outboxUpdate`), each document's in order, then removes exactly those.
 * A document is claimed first with a lease in the `outbox_leases` collection, so several instances
 * never publish the same events, except after a crash or a stall (the lease expires and another
 * relay publishes them again). On the aggregate collections a woken publish filters on `_id` alone
 * (one read, one removal), which FerretDB serves without scanning the collection.
 *
 * @example
 * const relay = createOutboxRelay({ connection, collections: ['tickets'], kafka, metrics: telemetry.metrics });
 * relay.start();
 * await Tickets.updateOne({ _id: id }, outboxUpdate([event], { $set: { status } }));
 * relay.wake('tickets', id);
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const {
    connection,
    collections,
    kafka,
    metrics,
    logger = silent,
    topicPrefix = '',
    leaseMs = 30_000,
    pollIntervalMs = 1_000,
    concurrency = 4,
    retryInitialMs = 100,
    retryMaxMs = 5_000,
    owner = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
  } = options;
  if (collections.length === 0) throw new OutboxConfigError('the outbox relay needs at least one collection');
  for (const [name, value] of Object.entries({
    leaseMs,
    pollIntervalMs,
    concurrency,
    retryInitialMs,
    retryMaxMs,
  })) {
    if (!Number.isInteger(value) || value <= 0)
      throw new OutboxConfigError(`${name} must be a positive integer`);
  }

  if (collections.includes(OUTBOX_LEASES_COLLECTION))
    throw new OutboxConfigError(`${OUTBOX_LEASES_COLLECTION} holds the relay's leases, not events`);

  const known = new Set(collections);
  const backlog = new Backlog();
  const backoff = new Backoff({ initialMs: retryInitialMs, maxMs: retryMaxMs });
  const producer = new ProducerSlot(kafka);
  const queue = new Map<string, Job>();
  const running = new Map<string, Promise<void>>();
  const scans = new Set<Promise<void>>();
  /** Entries published while a lease was held whose removal failed: removed first when it is claimed again. */
  const unpulled = new Map<string, string[]>();
  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let pausedUntil = 0;
  let pollTimer: NodeJS.Timeout | undefined;
  let resumeTimer: NodeJS.Timeout | undefined;
  let stopObserving: (() => void) | undefined;
  let stopping: Promise<void> | undefined;

  const collection = (name: string) =>
    connection.collection<OutboxDocument>(name) as unknown as OutboxCollection;
  const leases = new Leases(
    connection.collection<OutboxLease>(OUTBOX_LEASES_COLLECTION) as unknown as LeaseCollection,
    owner,
    leaseMs,
  );
  const telemetryFailed = (error: unknown) => logger.warn({ err: error }, 'recording outbox metrics failed');

  function enqueue(job: Job): void {
    queue.set(jobKey(job.collection, job.id), job);
  }

  /** Starts queued documents, up to `concurrency`, unless paused after a failure. */
  function pump(): void {
    if (state !== 'running' || Date.now() < pausedUntil) return;
    for (const [key, job] of queue) {
      if (running.size >= concurrency) return;
      // A document woken again while in flight waits for that publish to end.
      if (running.has(key)) continue;
      queue.delete(key);
      const task = publishDocument(job)
        .catch((error: unknown) =>
          logger.error({ err: error, collection: job.collection }, 'outbox relay failed'),
        )
        .finally(() => {
          running.delete(key);
          pump();
        });
      running.set(key, task);
    }
  }

  /** A failure of Kafka or MongoDB: retry the document after a pause that grows while they stay down. */
  function retryLater(job: Job, error: unknown, message: string): void {
    logger.warn({ err: error, collection: job.collection }, message);
    if (state !== 'running') return;
    enqueue(job);
    if (Date.now() < pausedUntil) return;
    const delay = backoff.next();
    pausedUntil = Date.now() + delay;
    resumeTimer = setTimeout(() => {
      resumeTimer = undefined;
      pump();
    }, delay);
  }

  /**
   * Publishes one document's pending events under its lease. Every command on the aggregate
   * collection filters on `_id` alone; the lease lives in its own small collection.
   */
  async function publishDocument(job: Job): Promise<void> {
    const key = idKey(job.id);
    const lease = leaseKey(job.collection, job.id);
    const target = collection(job.collection);
    let held: boolean;
    try {
      held = await leases.claim(lease);
    } catch (error) {
      return retryLater(job, error, 'claiming an outbox document failed');
    }
    if (!held) {
      // Another live relay holds it (ours expired, if we had one): it publishes what it finds, and
      // looks again after releasing, since this claim marked the lease wanted.
      unpulled.delete(lease);
      return;
    }

    /** Frees the lease; another relay's claim that found it held makes this relay look again. */
    const releaseLease = async (): Promise<boolean> => {
      try {
        return await leases.release(lease);
      } catch (error) {
        logger.warn(
          { err: error, collection: job.collection },
          'releasing an outbox lease failed; it expires',
        );
        return false;
      }
    };

    let doc: OutboxDocument | null;
    try {
      // Entries already published under this lease, whose removal failed, are removed first.
      const leftover = unpulled.get(lease);
      doc = leftover
        ? await complete(target, job.id, leftover, []).then((after) => {
            unpulled.delete(lease);
            return after;
          })
        : await readOutbox(target, job.id);
    } catch (error) {
      await releaseLease();
      return retryLater(job, error, 'reading an outbox document failed');
    }
    const raw = doc?._outbox ?? [];
    backlog.set(job.collection, key, raw);
    if (raw.length === 0) {
      if ((await releaseLease()) && state === 'running') enqueue(job);
      return;
    }

    const ready: { raw: string; entry: OutboxEntry }[] = [];
    const rejected: string[] = [];
    for (const item of raw) {
      try {
        ready.push({ raw: item, entry: decodeEntry(item) });
      } catch (error) {
        logger.error({ err: error, collection: job.collection }, 'unreadable outbox entry set aside');
        rejected.push(item);
      }
    }

    // Labelled with the topic as dashboards know it, as the consumers do: a prefix only keeps test runs apart.
    const labels: PublishedEvent[] = ready.map(({ entry }) => ({
      topic: entry.topic,
      type: entry.event.type,
    }));
    const started = performance.now();
    try {
      if (ready.length > 0) await send(ready.map((r) => r.entry));
    } catch (error) {
      recordPublish(metrics, labels, 'error', 0, telemetryFailed);
      await producer.reset();
      await releaseLease();
      return retryLater(job, error, 'publishing outbox events failed');
    }
    recordPublish(metrics, labels, 'success', (performance.now() - started) / 1000, telemetryFailed);
    backoff.reset();

    const published = ready.map((r) => r.raw);
    let after: OutboxDocument | null;
    try {
      after = await complete(target, job.id, published, rejected);
    } catch (error) {
      // The lease is kept (no other relay may publish these again before it expires): the retry
      // claims it again and removes them before reading anything.
      unpulled.set(lease, published);
      return retryLater(job, error, 'removing published events from the outbox failed');
    }
    backlog.set(job.collection, key, after?._outbox);
    // Removed before the release: the next holder only sees events not published yet.
    const wanted = await releaseLease();
    // Events written while these were in flight, seen by the removal or by another relay's claim.
    if ((after?._outbox?.length || wanted) && state === 'running') enqueue(job);
  }

  async function send(entries: readonly OutboxEntry[]): Promise<void> {
    const connected = await producer.get();
    for (const run of traceRuns(entries)) {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, event, headers } of run) {
        const name = topicPrefix + topic;
        let messages = byTopic.get(name);
        if (!messages) byTopic.set(name, (messages = []));
        messages.push({
          key: event.subject,
          value: JSON.stringify(event),
          headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ...headers },
        });
      }
      // Sent inside the write's trace context: the kafkajs instrumentation, when enabled, replaces
      // `traceparent` with its producer span's, which must then be a child of the write's span.
      // One request per broker keeps each partition's messages in array order: the document's order.
      await context.with(propagation.extract(ROOT_CONTEXT, run[0]?.headers ?? {}), () =>
        connected.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
      );
    }
  }

  /**
   * The fallback poll: reads every pending document (a scan of each collection, off the path of a
   * woken write), refreshes the backlog, deletes expired leases and queues the documents no other
   * live relay holds, oldest first.
   */
  function scan(names: readonly string[] = collections): Promise<void> {
    const task = (async () => {
      // Before the first connection mongoose buffers collection calls and hands back no cursor;
      // the next poll finds the connection open.
      if (connection.readyState !== 1) return;
      let heldByOthers = new Set<string>();
      try {
        heldByOthers = await leases.othersLive();
      } catch (error) {
        logger.warn({ err: error }, 'reading the outbox leases failed');
      }
      for (const name of names) {
        try {
          const docs = await collection(name)
            .find(PENDING_FILTER, { projection: { _outbox: 1 } })
            .toArray();
          backlog.replace(name, new Map(docs.map((d) => [idKey(d._id), d._outbox ?? []])));
          const oldestFirst = docs
            .filter((d) => !heldByOthers.has(leaseKey(name, d._id)))
            .sort((a, b) => firstTime(a) - firstTime(b));
          for (const doc of oldestFirst) enqueue({ collection: name, id: doc._id });
        } catch (error) {
          logger.warn({ err: error, collection: name }, 'scanning the outbox failed');
        }
      }
      pump();
    })();
    scans.add(task);
    void task.finally(() => scans.delete(task));
    return task;
  }

  function schedulePoll(): void {
    pollTimer = setTimeout(() => {
      void scan().finally(() => {
        if (state === 'running') schedulePoll();
      });
    }, pollIntervalMs);
  }

  return {
    owner,
    start() {
      if (state !== 'idle') throw new OutboxConfigError('the outbox relay was already started');
      state = 'running';
      try {
        stopObserving = observeBacklog(metrics, backlog);
      } catch (error) {
        telemetryFailed(error);
      }
      // Connect early so the first woken write leaves at once; a broker that is down is retried later.
      producer.get().catch(() => undefined);
      void scan();
      schedulePoll();
    },

    wake(name, id) {
      if (state !== 'running') return;
      if (name === undefined) return void scan();
      if (!known.has(name)) {
        logger.error({ collection: name }, 'outbox relay woken for a collection it does not watch');
        return;
      }
      if (id === undefined) return void scan([name]);
      enqueue({ collection: name, id });
      pump();
    },

    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        clearTimeout(pollTimer);
        clearTimeout(resumeTimer);
        queue.clear();
        // Each publish in hand ends by removing its events or releasing its lease.
        await Promise.allSettled([...running.values(), ...scans]);
        stopObserving?.();
        await producer.close();
        state = 'stopped';
      })();
      return stopping;
    },
  };
}

function jobKey(collection: string, id: unknown): string {
  return `${collection}\u0000${idKey(id)}`;
}

/** A map key for a document id: ObjectIds print as their hex, strings as themselves. */
function idKey(id: unknown): string {
  return `${typeof id}:${String(id)}`;
}

/** Splits entries, in order, into runs written under the same trace context. */
function traceRuns(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const runs: OutboxEntry[][] = [];
  let previous: string | undefined;
  for (const entry of entries) {
    const trace = entry.headers.traceparent ?? '';
    const last = runs.at(-1);
    if (last && trace === previous) last.push(entry);
    else runs.push([entry]);
    previous = trace;
  }
  return runs;
}

function firstTime(doc: OutboxDocument): number {
  const first = doc._outbox?.[0];
  return first === undefined ? 0 : entryTime(first) || 0;
}
