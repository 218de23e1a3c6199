import type { Instruments } from '@support-center/telemetry';
import { entryTime } from './entry';

type BacklogInstruments = Pick<Instruments, 'outbox_pending_events' | 'outbox_oldest_pending_age_seconds'>;

interface DocumentBacklog {
  count: number;
  /** Write time of the oldest entry, ms since the epoch. */
  oldest: number;
}

/**
 * What the relay last saw pending, per document: replaced by each poll scan and updated as
 * documents are published, so the gauges are read from memory, never from MongoDB at scrape time.
 */
export class Backlog {
  private readonly documents = new Map<string, Map<string, DocumentBacklog>>();

  /** Records a document's pending entries (none removes it). */
  set(collection: string, key: string, entries: readonly string[] | undefined): void {
    const docs = this.collection(collection);
    if (!entries || entries.length === 0) {
      docs.delete(key);
      return;
    }
    const times = entries.map(entryTime).filter((t) => !Number.isNaN(t));
    docs.set(key, { count: entries.length, oldest: times.length ? Math.min(...times) : Date.now() });
  }

  /** Replaces what is known of one collection with a full scan of it. */
  replace(collection: string, entries: ReadonlyMap<string, readonly string[]>): void {
    this.documents.set(collection, new Map());
    for (const [key, list] of entries) this.set(collection, key, list);
  }

  totals(now = Date.now()): { pending: number; oldestAgeSeconds: number } {
    let pending = 0;
    let oldest = Infinity;
    for (const docs of this.documents.values()) {
      for (const doc of docs.values()) {
        pending += doc.count;
        oldest = Math.min(oldest, doc.oldest);
      }
    }
    return { pending, oldestAgeSeconds: pending === 0 ? 0 : Math.max(0, (now - oldest) / 1000) };
  }

  private collection(name: string): Map<string, DocumentBacklog> {
    let docs = this.documents.get(name);
    if (!docs) this.documents.set(name, (docs = new Map()));
    return docs;
  }
}

/** Reports the backlog through the catalog gauges; returns a function that stops reporting. */
export function observeBacklog(metrics: BacklogInstruments, backlog: Backlog): () => void {
  const observePending: Parameters<BacklogInstruments['outbox_pending_events']['addCallback']>[0] = (
    result,
  ) => result.observe(backlog.totals().pending);
  const observeAge: Parameters<BacklogInstruments['outbox_oldest_pending_age_seconds']['addCallback']>[0] = (
    result,
  ) => result.observe(backlog.totals().oldestAgeSeconds);
  metrics.outbox_pending_events.addCallback(observePending);
  metrics.outbox_oldest_pending_age_seconds.addCallback(observeAge);
  return () => {
    metrics.outbox_pending_events.removeCallback(observePending);
    metrics.outbox_oldest_pending_age_seconds.removeCallback(observeAge);
  };
}
