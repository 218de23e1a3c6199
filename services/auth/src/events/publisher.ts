import { createOutboxRelay, ensureTopics, TOPICS, type OutboxLogger } from '@support-center/events';
import type { Worker } from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { COLLECTIONS } from '../store/collections';

export interface AuthPublisherOptions {
  connection: Connection;
  kafka: Kafka;
  metrics: Instruments;
  logger: OutboxLogger;
  /** Prepended to topic names (tests, shared clusters). */
  topicPrefix: string;
}

export interface AuthPublisher {
  /** Call after a write that stored events: they leave at once instead of at the next poll. */
  written(collection: string, id: string): void;
  /** Creates the `auth` topics, then runs the outbox relay over users and sessions. */
  readonly worker: Worker;
}

export function createAuthPublisher(options: AuthPublisherOptions): AuthPublisher {
  const { connection, kafka, metrics, logger, topicPrefix } = options;
  const relay = createOutboxRelay({
    connection,
    collections: [COLLECTIONS.users, COLLECTIONS.sessions],
    kafka,
    metrics,
    logger,
    topicPrefix,
  });
  let started = false;
  return {
    written: (collection, id) => relay.wake(collection, id),
    worker: {
      name: 'auth outbox relay',
      async start() {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await ensureTopics(admin, [TOPICS.auth], { prefix: topicPrefix });
        } finally {
          await admin.disconnect();
        }
        relay.start();
        started = true;
      },
      async stop() {
        if (started) await relay.stop();
      },
    },
  };
}
