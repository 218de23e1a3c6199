import { randomBytes } from 'node:crypto';
import { mongoUrlFor } from './env';

export interface TestNamespace {
  /** Unique per call: `<label>_<random>`. */
  readonly id: string;
  /** A database name no other test file uses. */
  database(name?: string): string;
  /** MONGO_URL pointing at `database(name)`. */
  mongoUrl(name?: string): string;
  /** Prefix of every topic of this namespace (ends with a dot). */
  readonly topicPrefix: string;
  topic(name: string): string;
  /** A consumer group id no other test file uses. */
  group(name: string): string;
  /** An S3 bucket name (lower case, dashes). */
  bucket(name?: string): string;
}

/**
 * Names for one test file, so files can run in parallel against the same engines and
 * a rerun never sees an earlier run's data. Call once per file (in `describe` scope).
 */
export function testNamespace(label = 'test'): TestNamespace {
  const clean =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 24) || 'test';
  const id = `${clean}_${randomBytes(4).toString('hex')}`;
  const dashed = id.replace(/_/g, '-');
  const database = (name = 'db'): string => `${name.replace(/[^A-Za-z0-9_]/g, '_')}_${id}`.slice(0, 63);
  return {
    id,
    database,
    mongoUrl: (name) => mongoUrlFor(database(name)),
    topicPrefix: `${dashed}.`,
    topic: (name) => `${dashed}.${name}`,
    group: (name) => `${dashed}.${name}`,
    bucket: (name = 'bucket') =>
      `${name}-${dashed}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 63),
  };
}
