import type { Kafka } from 'kafkajs';
import { TOPICS } from '../catalog';
import { createEventConsumer } from '../consumer/consumer';
import type { EventConsumerOptions, EventsLogger } from '../consumer/types';
import { ensureTopics } from '../topics';
import type { RevocationList } from './revocation-list';

export interface RevocationConsumerOptions {
  kafka: Kafka;
  /** The consuming service: its group is `<service>.auth`, shared by its replicas. */
  service: string;
  revocations: Pick<RevocationList, 'handlers'>;
  metrics: EventConsumerOptions['metrics'];
  logger?: EventsLogger;
  topicPrefix?: string;
}

/**
 * The `auth` consumer of a service that needs nothing else from that topic: it stores the
 * revocations (the list's handlers), once the topic exists. A service that already consumes
 * `auth` adds `revocations.handlers` to its own consumer instead.
 */
export function revocationConsumer(options: RevocationConsumerOptions) {
  const { kafka, service, revocations, metrics, logger, topicPrefix = '' } = options;
  const consumer = createEventConsumer({
    kafka,
    service,
    topic: TOPICS.auth,
    handlers: revocations.handlers,
    metrics,
    logger,
    topicPrefix,
  });
  return {
    name: `consumer ${consumer.groupId}`,
    async start() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [TOPICS.auth], { prefix: topicPrefix });
      } finally {
        await admin.disconnect();
      }
      await consumer.start();
    },
    stop: () => consumer.stop(),
  };
}
