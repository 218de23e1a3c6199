import type { CloudEvent } from '../envelope';
import { OutboxEntryError } from '../errors';

/**
 * One pending event as stored in an aggregate's `_outbox` array. It is kept as a JSON string,
 * so the relay can remove exactly what it published with `$pullAll` (exact-value removal is
 * the only array removal FerretDB and MongoDB agree on).
 */
export interface OutboxEntry {
  /** The catalog topic, without any deployment prefix. */
  topic: string;
  event: CloudEvent;
  /** Trace context of the write (`traceparent`, `tracestate`), sent as Kafka headers. */
  headers: Record<string, string>;
}

export function encodeEntry(entry: OutboxEntry): string {
  return JSON.stringify(entry);
}

/** Reads a stored entry; throws OutboxEntryError when it is not one (it can never be published). */
export function decodeEntry(raw: unknown): OutboxEntry {
  if (typeof raw !== 'string') throw new OutboxEntryError('outbox entry is not a string');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new OutboxEntryError('outbox entry is not JSON');
  }
  const entry = value as Partial<OutboxEntry> | null;
  const event = entry?.event as Partial<CloudEvent> | undefined;
  if (
    typeof entry?.topic !== 'string' ||
    typeof event?.id !== 'string' ||
    typeof event.subject !== 'string' ||
    typeof event.time !== 'string'
  ) {
    throw new OutboxEntryError('outbox entry lacks its topic, event id, subject or time');
  }
  return { topic: entry.topic, event: event as CloudEvent, headers: entry.headers ?? {} };
}

/** When the entry's event was created (its write time), in ms since the epoch; NaN if unreadable. */
export function entryTime(raw: string): number {
  try {
    return Date.parse(decodeEntry(raw).event.time);
  } catch {
    return Number.NaN;
  }
}
