import type { z } from 'zod';
import { authEvents } from './schemas/auth';
import { chatEvents } from './schemas/chat';
import { fileEvents } from './schemas/files';
import { ticketEvents } from './schemas/tickets';

/** The topics of docs/architecture.md; each has a `<topic>.dlq` beside it. */
export const TOPICS = { auth: 'auth', tickets: 'tickets', files: 'files', chat: 'chat' } as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

interface EventDefinition {
  readonly version: number;
  readonly data: z.ZodType;
}

const byTopic = {
  auth: authEvents,
  tickets: ticketEvents,
  files: fileEvents,
  chat: chatEvents,
} as const satisfies Record<Topic, Record<string, EventDefinition>>;

type ByTopic = typeof byTopic;
type Definitions = { [T in Topic]: ByTopic[T] }[Topic];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type AllDefinitions = UnionToIntersection<Definitions>;

export type EventType = keyof AllDefinitions & string;
export type EventData<T extends EventType> = AllDefinitions[T] extends EventDefinition
  ? z.infer<AllDefinitions[T]['data']>
  : never;

/** The schema version of an event type (its `dataschema` ends in `:v<version>`). */
export type EventVersion<T extends EventType> = AllDefinitions[T] extends EventDefinition
  ? AllDefinitions[T]['version']
  : never;

/**
 * Every event contract, as a union discriminated by `type`: the topic it travels on, its version
 * and the schema of its data. Each has a fixture per version (`fixtures/<type>.v<version>.json`).
 */
export type EventContract = {
  [T in EventType]: { type: T; topic: Topic; version: EventVersion<T>; data: z.ZodType<EventData<T>> };
}[EventType];

/** The field of each topic's events that names the aggregate, used as the partition key. */
const AGGREGATE_KEY: Record<Topic, string> = {
  auth: 'userId',
  tickets: 'ticketId',
  files: 'ticketId',
  chat: 'ticketId',
};

/** A contract with what the library derives from it. */
export type EventSpec = EventContract & {
  /** Reads the aggregate id (the partition key) from the event's data. */
  aggregateId(data: unknown): string;
};

const specs = new Map<string, EventSpec>();
for (const [topic, definitions] of Object.entries(byTopic) as [Topic, Record<string, EventDefinition>][]) {
  for (const [type, definition] of Object.entries(definitions)) {
    const key = AGGREGATE_KEY[topic];
    specs.set(type, {
      type,
      topic,
      version: definition.version,
      data: definition.data,
      aggregateId: (data) => String((data as Record<string, unknown>)[key]),
    } as EventSpec);
  }
}

/** Every event type, with the topic it travels on and its schema. */
export const EVENT_SPECS: ReadonlyMap<string, EventSpec> = specs;

export function eventSpec(type: string): EventSpec | undefined {
  return specs.get(type);
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}
