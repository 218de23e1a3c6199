import type { Admin } from 'kafkajs';
import { dlqTopic } from './catalog';

export interface EnsureTopicsOptions {
  /** Partitions of each main topic; per-aggregate order holds within one. */
  partitions?: number;
  /** Partitions of each `.dlq`: dead letters are few and read by people. */
  dlqPartitions?: number;
  /** Prepended to every name (tests give each file its own). */
  prefix?: string;
}

export const DEFAULT_PARTITIONS = 3;

/**
 * Creates each topic and its `.dlq` unless they exist. Every service calls it at start for the
 * topics it publishes to or consumes from, since brokers run with topic auto-creation off.
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[],
  options: EnsureTopicsOptions = {},
) {
  const { partitions = DEFAULT_PARTITIONS, dlqPartitions = 1, prefix = '' } = options;
  const existing = new Set(await admin.listTopics());
  const wanted = topics.flatMap((topic) => [
    { topic: `${prefix}${topic}`, numPartitions: partitions },
    { topic: dlqTopic(`${prefix}${topic}`), numPartitions: dlqPartitions },
  ]);
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  // Another instance may create the same topics at the same moment; createTopics tolerates that.
  await admin.createTopics({ topics: missing, waitForLeaders: true });
}
