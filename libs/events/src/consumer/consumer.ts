import { setTimeout as delay } from 'node:timers/promises';
import { context } from '@opentelemetry/api';
import { Partitioners, type Admin, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { eventSpec } from '../catalog';
import { parseEvent, type CloudEvent } from '../envelope';
import { ConsumerConfigError } from '../errors';
import { deadLetterMessage, sendDeadLetter, type DeadLetterOrigin } from './dead-letter';
import { startLagMonitor, type LagMonitor } from './lag';
import { consumerMetrics, UNKNOWN_EVENT_TYPE } from './metrics';
import { OffsetCommits } from './offset-commits';
import { DEFAULT_BACKOFF, runWithRetries } from './retry';
import { contextFromHeaders } from './trace-context';
import {
  CONSUME_STATUS,
  type EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type EventsLogger,
} from './types';

/**
 * Longest a settled message stays uncommitted. After a crash at most that much is delivered
 * again, which idempotent handlers absorb.
 */
const COMMIT_INTERVAL_MS = 1_000;

/** Longest a stop waits for its last commit; kafkajs retries a commit while the broker is away. */
const FINAL_COMMIT_WAIT_MS = 1_000;

/**
 * Rather than kafkajs' 30 s: after a broker restart the group waits this long for the session of a
 * member that crashed meanwhile (its leave never reached the broker) before its partitions move on.
 */
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

const silentLogger: EventsLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A consumer group `<service>.<topic>` applying each event of `topic` with its handler, once:
 * - invalid messages go to `<topic>.dlq` at once; events without a handler are skipped;
 * - a failing handler is retried with backoff, then its message goes to `<topic>.dlq`;
 * - a message's offset is committed only once it is settled (applied, skipped or dead-lettered),
 *   so a crash or a stop replays it, and the handlers' `applyOnce` makes the replay harmless.
 *
 * @example
 * const consumer = createEventConsumer({ kafka, service: 'ticket', topic: TOPICS.auth,
 *   metrics: telemetry.metrics, logger, handlers: {
 *     'user.created': (event) => applyOnce(users.collection, { _id: event.data.userId },
 *       { $set: { username: event.data.username } }, event.id),
 *   } });
 * await consumer.start();
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const {
    kafka,
    service,
    topic,
    handlers,
    logger = silentLogger,
    maxAttempts = 5,
    backoff = DEFAULT_BACKOFF,
    topicPrefix = '',
    lagIntervalMs = 10_000,
    partitionsConsumedConcurrently = 1,
    sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS,
  } = options;
  if (!service || !topic) throw new ConsumerConfigError('createEventConsumer needs a service and a topic');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConsumerConfigError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  if (!(backoff.initialMs > 0 && backoff.maxMs >= backoff.initialMs)) {
    throw new ConsumerConfigError('backoff needs 0 < initialMs <= maxMs');
  }
  if (!(Number.isInteger(sessionTimeoutMs) && sessionTimeoutMs >= 6000)) {
    throw new ConsumerConfigError(
      `sessionTimeoutMs must be an integer of at least 6000 (the broker's group.min.session.timeout.ms), got ${sessionTimeoutMs}`,
    );
  }

  const kafkaTopic = `${topicPrefix}${topic}`;
  const group = `${service}.${topic}`;
  const groupId = `${topicPrefix}${options.groupId ?? group}`;
  const metrics = consumerMetrics(options.metrics, { topic, consumer_group: group }, logger);
  // Fires on stop(): cuts a retry wait short, leaving that message uncommitted for the next run.
  const stopping = new AbortController();
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // kafkajs restarts a crashed consumer a moment later even when disconnect() came in between,
    // and the restarted one survives that disconnect: no restart once a stop was asked for.
    retry: { restartOnFailure: async () => !stopping.signal.aborted },
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.floor(sessionTimeoutMs / 3),
  });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    // kafkajs's default, named so that it does not warn about having changed it (in v2.0.0).
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const admin = kafka.admin();
  const commits = new OffsetCommits(consumer, kafkaTopic, COMMIT_INTERVAL_MS, (error) =>
    logger.warn({ err: error, groupId }, 'committing offsets failed; trying again'),
  );
  /** Batches being handled now: a stop waits for them before its last commit. */
  const inHand = new Set<Promise<void>>();
  let lagMonitor: LagMonitor | undefined;
  let stopped: Promise<void> | undefined;

  consumer.on(consumer.events.CRASH, ({ payload }) =>
    logger.error({ err: payload.error, groupId, restart: payload.restart }, 'event consumer crashed'),
  );
  // Committed before the group is joined again, as kafkajs's auto-commit would.
  consumer.on(consumer.events.REBALANCING, () => void commits.flush());
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    commits.retain(payload.memberAssignment[kafkaTopic] ?? []),
  );

  /** Handles one message; false when a stop interrupted it, so its offset must not move. */
  async function settle(
    message: KafkaMessage,
    partition: number,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const origin: DeadLetterOrigin = { topic: kafkaTopic, partition, groupId };
    let event: CloudEvent;
    try {
      event = parseEvent(message.value);
    } catch (error) {
      const eventType = typeOfInvalid(message.value);
      logger.warn(
        { err: error, groupId, partition, offset: message.offset, eventType },
        'invalid event dead-lettered',
      );
      if (!(await deadLetter(message, origin, error, 0, heartbeat))) return false;
      metrics.consumed(eventType, CONSUME_STATUS.invalid);
      metrics.deadLettered(eventType);
      return true;
    }

    const handler = handlers[event.type] as EventHandler | undefined;
    if (!handler) {
      metrics.consumed(event.type, CONSUME_STATUS.ignored);
      return true;
    }

    const started = performance.now();
    const traceContext = contextFromHeaders(message.headers);
    const result = await runWithRetries(
      (attempt) =>
        context.with(traceContext, () =>
          handler(event, { topic, partition, offset: message.offset, attempt }),
        ),
      {
        maxAttempts,
        backoff,
        signal: stopping.signal,
        heartbeat,
        onRetry: (error, attempt, delayMs) => {
          metrics.consumed(event.type, CONSUME_STATUS.retried);
          logger.warn(
            { err: error, groupId, eventId: event.id, attempt, delayMs },
            'event handler failed, retrying',
          );
        },
      },
    );
    if (result.outcome === 'aborted') return false;
    if (result.outcome === 'failed') {
      logger.error(
        { err: result.error, groupId, eventId: event.id, eventType: event.type, attempts: result.attempts },
        'event handler failed for good, dead-lettering',
      );
      if (!(await deadLetter(message, origin, result.error, result.attempts, heartbeat))) return false;
      metrics.consumed(event.type, CONSUME_STATUS.deadLettered);
      metrics.deadLettered(event.type);
    } else {
      const status =
        result.value === 'duplicate' || result.value === 'ignored'
          ? CONSUME_STATUS[result.value]
          : CONSUME_STATUS.processed;
      metrics.consumed(event.type, status);
    }
    metrics.processingSeconds(event.type, (performance.now() - started) / 1000);
    return true;
  }

  /** Produces the dead letter, retrying while Kafka is away; false when a stop came first. */
  async function deadLetter(
    message: KafkaMessage,
    origin: DeadLetterOrigin,
    error: unknown,
    attempts: number,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const letter = deadLetterMessage(message, origin, error, attempts);
    const sent = await runWithRetries(() => sendDeadLetter(producer, origin, letter), {
      maxAttempts: Number.POSITIVE_INFINITY,
      backoff,
      signal: stopping.signal,
      heartbeat,
      onRetry: (sendError) => logger.warn({ err: sendError, groupId }, 'dead-lettering failed, retrying'),
    });
    // kafkajs marks a few send errors non-retriable (a message too large): thrown, kafkajs restarts
    // the consumer from the committed offset and the failure stays loud until an operator acts.
    if (sent.outcome === 'failed') throw sent.error;
    return sent.outcome === 'succeeded';
  }

  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || stopping.signal.aborted) break;
      if (!(await settle(message, batch.partition, heartbeat))) break;
      resolveOffset(message.offset);
      commits.settle(batch.partition, message.offset);
      await heartbeat();
    }
  }

  async function eachBatch(payload: EachBatchPayload) {
    const handled = handleBatch(payload);
    inHand.add(handled);
    try {
      await handled;
    } finally {
      inHand.delete(handled);
    }
  }

  return {
    groupId,
    async start() {
      await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
      await groupCoordinatorReady(admin, groupId);
      // From the beginning: a new group must not miss events published before its first start.
      await consumer.subscribe({ topics: [kafkaTopic], fromBeginning: true });
      await consumer.run({
        // Committed by `commits`, off the fetch loop.
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently,
        eachBatch,
      });
      lagMonitor = startLagMonitor({
        admin,
        topic: kafkaTopic,
        groupId,
        metrics,
        logger,
        intervalMs: lagIntervalMs,
      });
      logger.info({ groupId, topic: kafkaTopic }, 'event consumer started');
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        // The batches in hand end at their next message; what they settled is committed while
        // the consumer still runs (kafkajs drops commits once it is stopping).
        await Promise.allSettled([...inHand]);
        // Kafka may be gone (a stop after the engines): what is not committed by then comes again.
        await Promise.race([commits.flush(), delay(FINAL_COMMIT_WAIT_MS, undefined, { ref: false })]);
        commits.stop();
        await lagMonitor?.stop();
        await consumer.disconnect();
        await Promise.all([producer.disconnect(), admin.disconnect()]);
        logger.info({ groupId }, 'event consumer stopped');
      })();
      return stopped;
    },
  };
}

/**
 * Resolves once the group's coordinator answers. Kafka elects it (and loads the group offsets)
 * only after the first group asks, and the consumer's first join would crash on "the coordinator is
 * loading" and restart noisily; the admin client retries those answers quietly instead.
 */
async function groupCoordinatorReady(admin: Admin, groupId: string): Promise<void> {
  await admin.describeGroups([groupId]);
}

/** The catalog type an invalid message claims, if any, for its metrics; `unknown` otherwise. */
function typeOfInvalid(value: Buffer | null): string {
  try {
    const type = (JSON.parse(value?.toString() ?? 'null') as { type?: unknown } | null)?.type;
    return typeof type === 'string' && eventSpec(type) ? type : UNKNOWN_EVENT_TYPE;
  } catch {
    return UNKNOWN_EVENT_TYPE;
  }
}
