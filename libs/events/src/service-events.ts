import type { Instruments } from '@support-center/telemetry';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import type { Topic } from './catalog';
import { createEventConsumer } from './consumer/consumer';
import { instanceConsumer, withAdmin, type EventsWorker } from './consumer/instance';
import type { BackoffOptions, EventConsumerOptions, EventHandlers, EventsLogger } from './consumer/types';
import { outboxWriter, type Outbox } from './outbox/writer';
import { OutboxConfigError } from './errors';
import { createOutboxRelay } from './outbox/relay';
import { DEFAULT_PARTITIONS, ensureTopics } from './topics';

/** One consumer group a service runs. */
export interface ConsumerDeclaration {
  topic: Topic;
  handlers: EventHandlers;
  /** Names the group `<group>.<topic>` instead of `<service>.<topic>`. */
  group?: string;
  /**
   * This instance's id, for a group of the instance's own (every instance sees every event, from
   * the topic's end when it starts; deleted when it stops): what live connections need.
   */
  instance?: string;
  maxAttempts?: number;
  backoff?: BackoffOptions;
  sessionTimeoutMs?: number;
}

export interface ServiceEventsOptions<K extends string> {
  /** The service: its consumer groups are `<service>.<topic>`. */
  service: string;
  kafka: Kafka;
  /** The service's database, where the outbox collections are (needed only with `outbox`). */
  connection?: Connection;
  metrics: Instruments;
  logger: EventsLogger;
  /** Prepended to every topic and group name (tests, shared clusters). */
  topicPrefix?: string;
  /** Partitions of the topics created here. */
  partitions?: number;
  /** Every consumer group's session timeout, unless its declaration names one (`sessionTimeoutMs`). */
  sessionTimeoutMs?: number;
  /** The topics the service publishes to. */
  owns?: readonly Topic[];
  /** The collections whose documents carry events: the relay publishes them. */
  outbox?: { collections: readonly string[]; pollIntervalMs?: number };
  /** The consumer groups the service runs, by a name of the service's choosing. */
  consumes?: Record<K, ConsumerDeclaration>;
}

export interface ServiceEvents<K extends string> {
  /** Writes a document with its events and wakes the relay (refuses any write without a declared outbox). */
  readonly outbox: Outbox;
  /** Each declared consumer, by its declared name. */
  readonly consumers: { readonly [N in K]: EventsWorker };
  /** The relay and the consumers, each starting once the topics exist: run them as the service's workers. */
  readonly workers: readonly EventsWorker[];
  /**
   * Declares more consumer groups, before the service starts: for handlers that need what is
   * built on the outbox (a chat room fed by the store that writes the outbox). Their topics are
   * created with the others.
   */
  consume<N extends string>(
    declarations: Record<N, ConsumerDeclaration>,
  ): { readonly [M in N]: EventsWorker };
}

/**
 * A service's events, from one declaration: the topics it owns and those it consumes are created
 * (with their `.dlq`) before anything publishes or consumes; the outbox relay publishes the
 * declared collections, woken by each outbox write; each consumer group runs as a worker.
 *
 * @example
 * const events = serviceEvents({
 *   service: 'ticket', kafka, connection, metrics, logger,
 *   owns: [TOPICS.tickets],
 *   outbox: { collections: ['tickets'] },
 *   consumes: { users: { topic: TOPICS.auth, handlers: { 'user.created': … } } },
 * });
 * await events.outbox.updateOne(tickets, { _id: id }, { $set: { status } }, [event]);
 * // workers: events.workers
 */
export function serviceEvents<K extends string = never>(options: ServiceEventsOptions<K>): ServiceEvents<K> {
  const { service, kafka, connection, metrics, logger, topicPrefix = '', partitions } = options;
  const topics = new Set<string>(options.owns);

  /** Created once; a failure leaves the next worker start to try again. */
  let created: Promise<void> | undefined;
  const topicsExist = () =>
    (created ??= withAdmin(kafka, (admin) =>
      ensureTopics(admin, [...topics], { prefix: topicPrefix, partitions }),
    ).catch((error: unknown) => {
      created = undefined;
      throw error;
    }));
  const afterTopics = (worker: EventsWorker): EventsWorker => ({
    name: worker.name,
    get running() {
      return worker.running;
    },
    async start() {
      await topicsExist();
      await worker.start();
    },
    stop: () => worker.stop(),
  });

  // The partitions a fetch brings are handled at the same time (order holds within each, hence per
  // aggregate): one at a time, each waits for the others' handlers, and a consumer fell behind at
  // a few dozen events per second.
  const shared = {
    kafka,
    metrics,
    logger,
    topicPrefix,
    partitionsConsumedConcurrently: partitions ?? DEFAULT_PARTITIONS,
    sessionTimeoutMs: options.sessionTimeoutMs,
  };
  const workers: EventsWorker[] = [];
  function consume<N extends string>(declarations: Record<N, ConsumerDeclaration>) {
    const made = Object.entries<ConsumerDeclaration>(declarations).map(([key, declaration]) => {
      topics.add(declaration.topic);
      return [key, afterTopics(consumer(service, declaration, shared))] as const;
    });
    workers.push(...made.map(([, worker]) => worker));
    return Object.fromEntries(made) as { [M in N]: EventsWorker };
  }

  const collections = options.outbox?.collections ?? [];
  if (collections.length > 0 && !connection)
    throw new OutboxConfigError('an outbox needs the connection of the database its collections are in');
  const relay =
    connection && collections.length > 0
      ? createOutboxRelay({
          connection,
          collections,
          kafka,
          metrics,
          logger,
          topicPrefix,
          pollIntervalMs: options.outbox?.pollIntervalMs,
        })
      : undefined;
  if (relay) workers.push(afterTopics(relayWorker(relay)));
  const consumers = consume(options.consumes ?? ({} as Record<K, ConsumerDeclaration>));
  return {
    outbox: outboxWriter(relay ?? { wake: () => undefined }, collections),
    consumers,
    workers,
    consume,
  };
}

function consumer(
  service: string,
  declaration: ConsumerDeclaration,
  shared: Pick<
    EventConsumerOptions,
    'kafka' | 'metrics' | 'logger' | 'topicPrefix' | 'partitionsConsumedConcurrently' | 'sessionTimeoutMs'
  >,
): EventsWorker {
  const { group = service, instance, ...rest } = declaration;
  const options = { ...shared, ...rest, service: group };
  if (instance !== undefined) return instanceConsumer({ ...options, instance });
  const created = createEventConsumer(options);
  let running = false;
  return {
    name: `consumer ${created.groupId}`,
    get running() {
      return running;
    },
    async start() {
      await created.start();
      running = true;
    },
    async stop() {
      running = false;
      await created.stop();
    },
  };
}

function relayWorker(relay: ReturnType<typeof createOutboxRelay>): EventsWorker {
  let running = false;
  return {
    name: 'outbox relay',
    get running() {
      return running;
    },
    async start() {
      relay.start();
      running = true;
    },
    async stop() {
      if (running) await relay.stop();
      running = false;
    },
  };
}
