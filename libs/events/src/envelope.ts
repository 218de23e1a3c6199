import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { eventSpec, type EventData, type EventType } from './catalog';
import { EventValidationError } from './errors';

/** The CloudEvents 1.0 envelope of one event type (structured mode: the whole event is the Kafka message value). */
export interface CloudEventOf<T extends EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  time: string;
  /** The aggregate id: also the Kafka message key, so per-aggregate order holds. */
  subject: string;
  datacontenttype: 'application/json';
  /** Names the schema and its version: `urn:support-center:events:<type>:v<version>`. */
  dataschema: string;
  data: EventData<T>;
}

/**
 * An event of one of the types `T`, as a union discriminated by `type`: `CloudEvent` is any event,
 * `CloudEvent<'ticket.assigned' | 'ticket.solved'>` either of two, and checking `event.type`
 * narrows `event.data` to that type's payload, so consumers need no casts.
 */
export type CloudEvent<T extends EventType = EventType> = { [K in T]: CloudEventOf<K> }[T];

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().min(1),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string().regex(/^urn:support-center:events:[\w.]+:v\d+$/),
  data: z.unknown(),
});

export function dataSchemaUri(type: string, version: number): string {
  return `urn:support-center:events:${type}:v${version}`;
}

export interface CreateEventOptions {
  /** The publishing service, as a URI reference: `/support-center/<service>`. */
  source: string;
  id?: string;
  time?: Date;
}

/** Builds an event and validates its data against the type's schema; bad data never leaves. */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  options: CreateEventOptions,
): CloudEvent<T> {
  const spec = eventSpec(type);
  if (!spec) throw new EventValidationError(`unknown event type ${type}`);
  const parsed = spec.data.safeParse(data);
  if (!parsed.success) throw new EventValidationError(`invalid ${type} data: ${describe(parsed.error)}`);
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source,
    type,
    time: (options.time ?? new Date()).toISOString(),
    subject: spec.aggregateId(parsed.data),
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(type, spec.version),
    data: parsed.data as EventData<T>,
  } as CloudEvent<T>;
}

/** Parses and validates a message value: the envelope, the type, its version and its data. */
export function parseEvent(value: Buffer | string | null): CloudEvent {
  if (value === null) throw new EventValidationError('empty message');
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch {
    throw new EventValidationError('message value is not JSON');
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success)
    throw new EventValidationError(`invalid CloudEvents envelope: ${describe(envelope.error)}`);
  const spec = eventSpec(envelope.data.type);
  if (!spec) throw new EventValidationError(`unknown event type ${envelope.data.type}`);
  if (envelope.data.dataschema !== dataSchemaUri(spec.type, spec.version)) {
    throw new EventValidationError(`unsupported schema ${envelope.data.dataschema} for ${spec.type}`);
  }
  const data = spec.data.safeParse(envelope.data.data);
  if (!data.success) throw new EventValidationError(`invalid ${spec.type} data: ${describe(data.error)}`);
  return { ...envelope.data, data: data.data } as CloudEvent;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
