import { context, propagation } from '@opentelemetry/api';
import { eventSpec } from '../catalog';
import type { CloudEvent } from '../envelope';
import { EventValidationError } from '../errors';
import { encodeEntry } from './entry';

/** The array field of an aggregate document that holds its pending events. */
export const OUTBOX_FIELD = '_outbox';

/**
 * The schema path a mongoose model needs for its documents to carry an outbox (strict schemas drop
 * unknown paths). Append with `outboxUpdate` rather than `doc.save()`, which could write back a
 * stale copy of the array the relay is emptying.
 */
export const OUTBOX_SCHEMA_FIELDS = { [OUTBOX_FIELD]: { type: [String], default: undefined } } as const;

/** Trace headers carried from the write to the Kafka message. */
const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

export interface OutboxFields {
  _outbox: string[];
}

export interface OutboxPush {
  $push: { _outbox: { $each: string[] } };
}

/** `update` with the outbox append added to its own `$push`. */
export type OutboxUpdate<U> = Omit<U, '$push'> & {
  $push: (U extends { $push: infer P } ? P : object) & OutboxPush['$push'];
};

/**
 * Serializes events (from `createEvent`, hence already validated) for the outbox, with the
 * trace context active now, so the consumer's work joins the trace of the request that wrote.
 */
export function outboxEntries(events: readonly CloudEvent[]): string[] {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const headers: Record<string, string> = {};
  for (const name of TRACE_HEADERS) if (carrier[name]) headers[name] = carrier[name];
  return events.map((event) => {
    const spec = eventSpec(event.type);
    if (!spec) throw new EventValidationError(`unknown event type ${event.type}`);
    return encodeEntry({ topic: spec.topic, event, headers });
  });
}

/**
 * Fields to spread into a document being inserted, so the document and its events are
 * written by one command.
 *
 * @example
 * await Tickets.create({ ...ticket, ...outboxFields([createEvent('ticket.created', data, { source })]) });
 * relay.wake('tickets', ticket._id);
 */
export function outboxFields(events: readonly CloudEvent[]): OutboxFields {
  return { _outbox: outboxEntries(events) };
}

/**
 * An update that appends the events to the document's outbox, merged into `update` (whose own
 * `$push` fields are kept), so the change and its events are written by one command.
 *
 * @example
 * await Tickets.updateOne({ _id: id }, outboxUpdate([event], { $set: { status: 'solved' } }));
 * relay.wake('tickets', id);
 */
export function outboxUpdate<U extends object = object>(
  events: readonly CloudEvent[],
  update: U = {} as U,
): OutboxUpdate<U> {
  const own = (update as { $push?: object }).$push;
  return {
    ...update,
    $push: { ...own, [OUTBOX_FIELD]: { $each: outboxEntries(events) } },
  } as OutboxUpdate<U>;
}
