import {
  createEventConsumer,
  createOutboxRelay,
  ensureTopics,
  TOPICS,
  type OutboxRelay,
} from '@support-center/events';
import type { Logger, Worker } from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { FILES_COLLECTION } from '../store/files';
import type { TicketAccessProjection } from '../store/tickets';

export interface EventWorkersOptions {
  kafka: Kafka;
  connection: Connection;
  metrics: Instruments;
  logger: Logger;
  topicPrefix: string;
  pollIntervalMs: number;
  tickets: TicketAccessProjection;
}

/** The topics this service publishes to or consumes from (each with its `.dlq`). */
export const FILE_SERVICE_TOPICS = [TOPICS.files, TOPICS.tickets] as const;

/**
 * The service's event work: the outbox relay publishing file.uploaded/file.deleted, and the
 * consumer of ticket events feeding the access projection, once the topics exist.
 */
export function eventWorkers(options: EventWorkersOptions): { relay: OutboxRelay; workers: Worker[] } {
  const { kafka, connection, metrics, logger, topicPrefix, pollIntervalMs, tickets } = options;
  const relay = createOutboxRelay({
    connection,
    collections: [FILES_COLLECTION],
    kafka,
    metrics,
    logger,
    topicPrefix,
    pollIntervalMs,
  });
  const apply = (event: Parameters<TicketAccessProjection['apply']>[0]) => tickets.apply(event);
  const consumer = createEventConsumer({
    kafka,
    service: 'file',
    topic: TOPICS.tickets,
    metrics,
    logger,
    topicPrefix,
    handlers: {
      'ticket.created': apply,
      'ticket.assigned': apply,
      'ticket.status_changed': apply,
      'ticket.solved': apply,
      'ticket.commented': apply,
    },
  });

  return {
    relay,
    workers: [
      {
        name: 'outbox relay',
        async start() {
          relay.start();
        },
        stop: () => relay.stop(),
      },
      {
        name: 'tickets consumer',
        async start() {
          const admin = kafka.admin();
          await admin.connect();
          try {
            await ensureTopics(admin, FILE_SERVICE_TOPICS, { prefix: topicPrefix });
          } finally {
            await admin.disconnect();
          }
          await consumer.start();
        },
        stop: () => consumer.stop(),
      },
    ],
  };
}
