import {
  createEventConsumer,
  ensureTopics,
  type EventConsumerOptions,
  type EventHandlers,
} from '@support-center/events';
import type { KafkaDependency, Logger, Worker } from '@support-center/service-kit';

type Kafka = KafkaDependency['kafka'];

export interface FanoutConsumerOptions {
  kafka: Kafka;
  topic: string;
  /** This instance's id: its group is `realtime-fanout.<topic>.<instanceId>`. */
  instanceId: string;
  handlers: EventHandlers;
  metrics: EventConsumerOptions['metrics'];
  logger: Logger;
  topicPrefix: string;
  sessionTimeoutMs?: number;
}

/**
 * A consumer group of this instance's own, so every instance sees every event of `topic` (what
 * its own sockets need). It starts at the topic's end when the instance starts (older events
 * concern connections that no longer exist) and is deleted when the instance stops.
 */
export function fanoutConsumer(options: FanoutConsumerOptions): Worker & { readonly running: boolean } {
  const { kafka, topic, instanceId, topicPrefix, logger } = options;
  const groupId = `realtime-fanout.${topic}.${instanceId}`;
  const kafkaTopic = `${topicPrefix}${topic}`;
  const consumer = createEventConsumer({
    kafka,
    service: 'realtime-fanout',
    groupId,
    topic,
    handlers: options.handlers,
    metrics: options.metrics,
    logger,
    topicPrefix,
    // A notification that cannot be delivered now is not worth a dead letter per instance.
    maxAttempts: 3,
    backoff: { initialMs: 100, maxMs: 1000 },
    sessionTimeoutMs: options.sessionTimeoutMs,
  });
  let positioned = false;
  let running = false;

  return {
    name: `fanout ${topic}`,
    get running() {
      return running;
    },
    async start() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [topic], { prefix: topicPrefix });
        if (!positioned) {
          // Committed before the group's first join: it reads exactly what is published from now on.
          const offsets = await admin.fetchTopicOffsets(kafkaTopic);
          await admin.setOffsets({
            groupId: consumer.groupId,
            topic: kafkaTopic,
            partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })),
          });
          positioned = true;
        }
      } finally {
        await admin.disconnect();
      }
      await consumer.start();
      running = true;
    },
    async stop() {
      running = false;
      await consumer.stop();
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([consumer.groupId]);
      } catch (error) {
        logger.debug({ err: error, groupId: consumer.groupId }, 'could not delete the fan-out group');
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
