import type { Kafka } from 'kafkajs';
import type { Instruments } from '@support-center/telemetry';
import type { EventType } from '../catalog';
import type { CloudEvent } from '../envelope';
import type { ApplyOutcome } from './apply-once';

/**
 * The closed set of `events_consumed_total` statuses. Each message ends with exactly one of
 * processed, duplicate, ignored, invalid or dead_lettered; `retried` counts each failed attempt
 * that is tried again, so a message retried twice and then processed adds 2 + 1.
 */
export const CONSUME_STATUS = {
  /** The handler applied the event. */
  processed: 'processed',
  /** The handler found the event already applied (a redelivery). */
  duplicate: 'duplicate',
  /** A valid event this consumer has no handler for. */
  ignored: 'ignored',
  /** A handler attempt failed and will be tried again. */
  retried: 'retried',
  /** Handling failed for good (retries exhausted or a non-retriable error): sent to `.dlq`. */
  deadLettered: 'dead_lettered',
  /** The message is not a valid event (JSON, envelope, type, version, data): sent to `.dlq`. */
  invalid: 'invalid',
} as const;
export type ConsumeStatus = (typeof CONSUME_STATUS)[keyof typeof CONSUME_STATUS];

/** Where the event in hand came from, for logs and for handlers that need it. */
export interface HandlerContext {
  /** The topic name without the test prefix (`tickets`). */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 on the first try, then 2, 3, … while retrying. */
  readonly attempt: number;
}

/**
 * Applies one event. Resolve `'duplicate'` (what `applyOnce`/`insertOnce` return) when the effect
 * was already stored, so the consumer counts a redelivery; `'ignored'` when the event is valid but
 * deliberately not applied (counted as ignored, like an event without a handler); throw to retry
 * or dead-letter.
 */
export type EventHandler<T extends EventType = EventType> = (
  event: CloudEvent<T>,
  context: HandlerContext,
) => Promise<ApplyOutcome | typeof CONSUME_STATUS.ignored | void>;

export type EventHandlers = { readonly [T in EventType]?: EventHandler<T> };

/** What the consumer logs through; a pino logger fits. */
export interface EventsLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface BackoffOptions {
  /** Wait before the second attempt; each later wait doubles it. */
  initialMs: number;
  /** Longest wait between two attempts. */
  maxMs: number;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  /** The consuming service (`ticket`); the group is `<service>.<topic>`. */
  service: string;
  /**
   * The Kafka group, when it must differ from `<service>.<topic>` (a group per instance, so every
   * instance sees every event); `topicPrefix` is still prepended. The `consumer_group` label stays
   * `<service>.<topic>`, so per-instance ids never reach metrics.
   */
  groupId?: string;
  /** The topic, as in TOPICS (`tickets`). */
  topic: string;
  handlers: EventHandlers;
  metrics: Pick<
    Instruments,
    | 'events_consumed_total'
    | 'event_processing_duration_seconds'
    | 'events_dead_lettered_total'
    | 'kafka_consumer_lag'
  >;
  logger?: EventsLogger;
  /** Attempts before a failing event is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Waits between attempts (default 200 ms doubling up to 10 s). */
  backoff?: BackoffOptions;
  /** Prepended to the Kafka topic and group names (tests); never part of metric labels. */
  topicPrefix?: string;
  /** How often `kafka_consumer_lag` is refreshed (default 10 s). */
  lagIntervalMs?: number;
  /** Partitions handled at the same time; order holds within each (default 1). */
  partitionsConsumedConcurrently?: number;
  /**
   * The group session timeout (default 10 s, where kafkajs' is 30 s; heartbeats every third of
   * it). After a broker restart a consumer that crashed rejoins as a new member, and the group
   * waits for its old member's session to expire first: this is how long consumption pauses then.
   */
  sessionTimeoutMs?: number;
}

export interface EventConsumer {
  /** The Kafka consumer group: `<topicPrefix><service>.<topic>` (or `<topicPrefix><groupId>`). */
  readonly groupId: string;
  /** Connects, joins the group and starts consuming; resolves once running. */
  start(): Promise<void>;
  /**
   * Finishes the message in hand (a retry wait is cut short and its message left for the next
   * run), commits what was applied, leaves the group and disconnects. Idempotent.
   */
  stop(): Promise<void>;
}
