import type { Kafka } from 'kafkajs';
import { createEventConsumer } from './consumer';
import type { EventConsumerOptions } from './types';

/** Event work run as a service's worker (a consumer, the relay), saying whether it runs now. */
export interface EventsWorker {
  readonly name: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InstanceConsumerOptions extends Omit<EventConsumerOptions, 'groupId'> {
  /** This instance's id: its group is `<service>.<topic>.<instance>`. */
  instance: string;
}

/**
 * A consumer group of this instance's own, so every instance sees every event of `topic` (what
 * its own connections need). It starts at the topic's end when the instance starts (older events
 * concern connections that no longer exist) and is deleted when the instance stops. Metrics label
 * it `<service>.<topic>`, never with the instance.
 */
export function instanceConsumer(options: InstanceConsumerOptions): EventsWorker {
  const { kafka, service, topic, instance, topicPrefix = '', logger } = options;
  const consumer = createEventConsumer({ ...options, groupId: `${service}.${topic}.${instance}` });
  const kafkaTopic = `${topicPrefix}${topic}`;
  let positioned = false;
  let running = false;

  return {
    name: `consumer ${service}.${topic}`,
    get running() {
      return running;
    },
    async start() {
      if (!positioned) {
        // Committed before the group's first join: it reads exactly what is published from now on.
        await withAdmin(kafka, async (admin) => {
          const offsets = await admin.fetchTopicOffsets(kafkaTopic);
          await admin.setOffsets({
            groupId: consumer.groupId,
            topic: kafkaTopic,
            partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })),
          });
        });
        positioned = true;
      }
      await consumer.start();
      running = true;
    },
    async stop() {
      running = false;
      await consumer.stop();
      await withAdmin(kafka, (admin) => admin.deleteGroups([consumer.groupId])).catch((error: unknown) =>
        logger?.debug({ err: error, groupId: consumer.groupId }, 'could not delete the instance group'),
      );
    },
  };
}

/** Runs `work` on an admin connection of its own, disconnected afterwards whatever happens. */
export async function withAdmin<T>(
  kafka: Kafka,
  work: (admin: ReturnType<Kafka['admin']>) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
