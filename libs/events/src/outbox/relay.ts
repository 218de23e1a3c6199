import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { nextScanDelay } from '@support-center/store';
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
  completeAll,
  leaseKey,
  Leases,
  OUTBOX_LEASES_COLLECTION,
  PENDING_FILTER,
  readOutboxes,
  type Completion,
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
  /**
   * Fallback scan for events nobody woke the relay for (and the backlog gauges' refresh); spaced
   * out further after a slow scan, so scanning takes at most a tenth of the time.
   */
  pollIntervalMs?: number;
  /**
   * Batches published at the same time. A batch starts at once when none is in flight; while one
   * is, the next waits for it to end unless a full batch (`batchSize`) is queued.
   */
  concurrency?: number;
  /**
   * Most documents of one collection published together: under load the queue fills while batches
   * are in flight, and each batch costs one lease insert, one removal and one release in all.
   */
  batchSize?: number;
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
  /**
   * Publishes the documents already woken (each tried once), releases their leases and disconnects
   * the producer; what fails is left to the next poll of any relay.
   */
  stop(): Promise<void>;
}

interface Job {
  collection: string;
  id: unknown;
}

/** A document whose lease this relay holds. */
interface Held {
  lease: string;
  job: Job;
}

/** A claimed document's entries on their way: decoded, then published or set aside. */
interface PendingDocument extends Completion, Held {
  entries: { raw: string; entry: OutboxEntry }[];
  published: string[];
  rejected: string[];
  /** Why its send failed. */
  error?: unknown;
}

/**
 * Passes over a batch's documents under the same leases, while their writers keep waking them: a
 * busy document leaves the batch after this many, so the others queued get their turn.
 */
const MAX_PASSES = 4;

const silent: OutboxLogger = { warn: () => undefined, error: () => undefined };

/**
 * The outbox relay: publishes the events services store in their documents' `_outbox`
 * (see `outboxFields`/`outboxUpdate`), each document's in order, then removes exactly those.
 * A document is claimed first with a lease in the `outbox_leases` collection, so several instances
 * never publish the same events, except after a crash or a stall (the lease expires and another
 * relay publishes them again). On the aggregate collections a woken publish filters on `_id` alone
 * (one read and one removal per batch), which FerretDB serves without scanning the collection.
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
    batchSize = 50,
    retryInitialMs = 100,
    retryMaxMs = 5_000,
    owner = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
  } = options;
  if (collections.length === 0) throw new OutboxConfigError('the outbox relay needs at least one collection');
  for (const [name, value] of Object.entries({
    leaseMs,
    pollIntervalMs,
    concurrency,
    batchSize,
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
  /** Batches being published, and the documents they hold. */
  const running = new Set<Promise<void>>();
  const inFlight = new Set<string>();
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

  /**
   * Starts batches of queued documents, up to `concurrency` at once, unless paused after a failure;
   * while stopping too, so the documents already woken leave before the relay stops.
   */
  function pump(): void {
    if ((state !== 'running' && state !== 'stopping') || Date.now() < pausedUntil) return;
    while (running.size < concurrency) {
      // Under load, the documents woken while a batch is in flight leave together when it ends:
      // one lease insert, read, removal and release for many, where batches of one or two each
      // cost the engine and Kafka most of a creation's price. A backlog still goes in parallel.
      if (running.size > 0 && queue.size < batchSize) return;
      const batch = takeBatch();
      if (batch.length === 0) return;
      const keys = batch.map((job) => jobKey(job.collection, job.id));
      const name = batch[0]?.collection ?? '';
      const task: Promise<void> = publishBatch(name, batch)
        .catch((error: unknown) => logger.error({ err: error, collection: name }, 'outbox relay failed'))
        .finally(() => {
          running.delete(task);
          for (const key of keys) inFlight.delete(key);
          pump();
        });
      running.add(task);
      for (const key of keys) inFlight.add(key);
    }
  }

  /**
   * Takes up to `batchSize` queued documents of one collection (the first queued one's). A document
   * woken again while in flight waits for that publish to end.
   */
  function takeBatch(): Job[] {
    const batch: Job[] = [];
    for (const [key, job] of queue) {
      if (inFlight.has(key) || (batch[0] && job.collection !== batch[0].collection)) continue;
      queue.delete(key);
      batch.push(job);
      if (batch.length === batchSize) break;
    }
    return batch;
  }

  /** A failure of Kafka or MongoDB: retry the documents after a pause that grows while they stay down. */
  function retryLater(jobs: readonly Job[], error: unknown, message: string): void {
    logger.warn({ err: error, collection: jobs[0]?.collection, documents: jobs.length }, message);
    if (state !== 'running') return;
    for (const job of jobs) enqueue(job);
    if (Date.now() < pausedUntil) return;
    const delay = backoff.next();
    pausedUntil = Date.now() + delay;
    resumeTimer = setTimeout(() => {
      resumeTimer = undefined;
      pump();
    }, delay);
  }

  /**
   * Publishes documents' pending events under their leases: one lease insert, one read,
   * their sends, one removal command and one release for the whole batch (documents woken again
   * meanwhile get another pass first). Every command on the aggregate collection filters on `_id`
   * alone; the leases live in their own small collection.
   */
  async function publishBatch(name: string, jobs: readonly Job[]): Promise<void> {
    const byLease = new Map(jobs.map((job) => [leaseKey(name, job.id), job]));
    let held: Set<string>;
    try {
      held = await leases.claimAll([...byLease.keys()]);
    } catch (error) {
      return retryLater(jobs, error, 'claiming outbox documents failed');
    }
    // Held by another live relay (ours expired, if we had one): it publishes what it finds, and
    // looks again after releasing, since the claim marked the lease wanted.
    for (const lease of byLease.keys()) if (!held.has(lease)) unpulled.delete(lease);
    let mine: Held[] = [...held].map((lease) => ({ lease, job: byLease.get(lease) as Job }));
    for (let pass = 1; mine.length > 0; pass += 1) mine = await publishHeld(name, mine, pass < MAX_PASSES);
  }

  /**
   * One pass over documents whose leases this relay holds: reads, sends and removes their events,
   * then releases the leases, but for documents woken again meanwhile when `mayContinue`: those
   * keep their leases and are returned for another pass, with no release and claim between.
   */
  async function publishHeld(name: string, mine: readonly Held[], mayContinue: boolean): Promise<Held[]> {
    let documents: PendingDocument[];
    try {
      documents = await readPending(name, mine);
    } catch (error) {
      await release(name, mine);
      retryLater(
        mine.map((m) => m.job),
        error,
        'reading outbox documents failed',
      );
      return [];
    }

    const sent = await sendAll(documents);
    const failed = documents.filter((d) => !sent.includes(d));
    const completions = sent.filter((d) => d.published.length > 0 || d.rejected.length > 0);
    try {
      if (completions.length > 0) await completeAll(collection(name), completions);
    } catch (error) {
      // Their leases are kept (no other relay may publish these again before they expire): the
      // retry claims them again and removes these entries before reading anything.
      for (const d of completions) unpulled.set(d.lease, d.published);
      const kept = new Set(completions.map((d) => d.lease));
      await release(
        name,
        mine.filter((m) => !kept.has(m.lease)),
      );
      retryLater(
        [...completions, ...failed].map((d) => d.job),
        error,
        'removing published events from the outbox failed',
      );
      return [];
    }
    for (const d of sent) backlog.set(name, idKey(d.job.id), undefined);
    // Woken again while in flight: its writer appended events, which the next pass reads.
    const again = mayContinue ? sent.filter((d) => queue.delete(jobKey(name, d.job.id))) : [];
    const continuing = new Set(again.map((d) => d.lease));
    // Removed before the release: the next holder only sees events not published yet.
    await release(
      name,
      mine.filter((m) => !continuing.has(m.lease)),
    );
    if (failed.length > 0) {
      retryLater(
        failed.map((d) => d.job),
        failed[0]?.error,
        'publishing outbox events failed',
      );
    }
    return again;
  }

  /**
   * The held documents' pending entries, read under their leases in one query, split into the
   * publishable and the unreadable. Entries already published under a lease, whose removal failed,
   * are removed from its document first.
   */
  async function readPending(name: string, held: readonly Held[]): Promise<PendingDocument[]> {
    const target = collection(name);
    const fresh = held.filter(({ lease }) => !unpulled.has(lease)).map(({ job }) => job.id);
    const read = new Map((await readOutboxes(target, fresh)).map((doc) => [idKey(doc._id), doc]));
    return Promise.all(
      held.map(async ({ lease, job }) => {
        const leftover = unpulled.get(lease);
        const doc = leftover ? await complete(target, job.id, leftover, []) : read.get(idKey(job.id));
        unpulled.delete(lease);
        return pendingOf(name, lease, job, doc?._outbox ?? []);
      }),
    );
  }

  function pendingOf(name: string, lease: string, job: Job, raw: readonly string[]): PendingDocument {
    backlog.set(name, idKey(job.id), raw);
    const pending: PendingDocument = { lease, job, id: job.id, entries: [], published: [], rejected: [] };
    for (const item of raw) {
      try {
        pending.entries.push({ raw: item, entry: decodeEntry(item) });
      } catch (error) {
        logger.error({ err: error, collection: name }, 'unreadable outbox entry set aside');
        pending.rejected.push(item);
      }
    }
    return pending;
  }

  /**
   * Sends each document's entries (each document's in order); returns those sent, with `published`
   * filled in. A failed send resets the producer and keeps its `error`.
   */
  async function sendAll(documents: readonly PendingDocument[]): Promise<PendingDocument[]> {
    const started = performance.now();
    const failures = await sendDocuments(documents.filter((d) => d.entries.length > 0));
    const seconds = (performance.now() - started) / 1000;
    const sent: PendingDocument[] = [];
    for (const d of documents) {
      // Labelled with the topic as dashboards know it, as the consumers do: a prefix only keeps test runs apart.
      const labels: PublishedEvent[] = d.entries.map(({ entry }) => ({
        topic: entry.topic,
        type: entry.event.type,
      }));
      if (failures.has(d)) {
        recordPublish(metrics, labels, 'error', 0, telemetryFailed);
        d.error = failures.get(d);
      } else {
        recordPublish(metrics, labels, 'success', seconds, telemetryFailed);
        d.published = d.entries.map((e) => e.raw);
        sent.push(d);
      }
    }
    if (failures.size > 0) await producer.reset();
    else backoff.reset();
    return sent;
  }

  /**
   * Sends documents' entries, the documents without a trace context in one Kafka request (each
   * request costs the broker and the client more than its messages) and each traced one in its own:
   * the kafkajs instrumentation parents all the producer spans of a request to one context. Resolves
   * with the error of each document that was not sent.
   */
  async function sendDocuments(
    documents: readonly PendingDocument[],
  ): Promise<Map<PendingDocument, unknown>> {
    const failures = new Map<PendingDocument, unknown>();
    const sendEach = (group: readonly PendingDocument[]) =>
      Promise.all(
        group.map((d) => send(entriesOf(d)).catch((error: unknown) => void failures.set(d, error))),
      );
    const traced = (d: PendingDocument) => d.entries.some(({ entry }) => entry.headers.traceparent);
    const untraced = documents.filter((d) => !traced(d));
    if (untraced.length < 2) {
      await sendEach(documents);
      return failures;
    }
    await Promise.all([
      sendEach(documents.filter(traced)),
      // Tried again one by one: a request the broker refuses (too large, say) is no one document's
      // fault, and one it refuses alone holds up only itself. What a failed request did append is
      // sent again, as after any failure: consumers drop repeats by event id.
      send(untraced.flatMap(entriesOf)).catch(() => sendEach(untraced)),
    ]);
    return failures;
  }

  /** Frees the leases; documents another relay asked for meanwhile are queued again. */
  async function release(name: string, held: readonly Held[]): Promise<void> {
    if (held.length === 0) return;
    let wanted: Set<string>;
    try {
      wanted = await leases.releaseAll(held.map((h) => h.lease));
    } catch (error) {
      logger.warn({ err: error, collection: name }, 'releasing outbox leases failed; they expire');
      return;
    }
    if (state !== 'running') return;
    for (const { lease, job } of held) if (wanted.has(lease)) enqueue(job);
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

  function schedulePoll(delay = pollIntervalMs): void {
    pollTimer = setTimeout(() => {
      const started = performance.now();
      void scan().finally(() => {
        if (state === 'running') schedulePoll(nextScanDelay(pollIntervalMs, performance.now() - started));
      });
    }, delay);
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
        // A replica being replaced hands nothing over to the polls of others but what fails now:
        // the documents already woken are published first, each tried once (no retry while
        // stopping). Each publish ends by removing its events or releasing its lease.
        pump();
        while (running.size > 0 || scans.size > 0) await Promise.allSettled([...running, ...scans]);
        queue.clear();
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

function entriesOf(document: PendingDocument): OutboxEntry[] {
  return document.entries.map((e) => e.entry);
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
