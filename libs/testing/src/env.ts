import { MissingEngineEnvError } from './errors';

/** Environment variables through which the engines reach tests (docs/architecture.md, Contracts). */
export const ENGINE_ENV = { kafka: 'KAFKA_BROKERS', mongo: 'MONGO_URL', s3: 'S3_ENDPOINT' } as const;
export type HarnessEngine = keyof typeof ENGINE_ENV;

export function engineEnv(variable: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[variable];
  if (!value) throw new MissingEngineEnvError(variable);
  return value;
}

/** The brokers of the run's Kafka, as kafkajs wants them. */
export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  return engineEnv(ENGINE_ENV.kafka, env)
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}

export function s3Endpoint(env: NodeJS.ProcessEnv = process.env): string {
  return engineEnv(ENGINE_ENV.s3, env);
}

/**
 * MONGO_URL with its database replaced by `database`; options (query string) are kept,
 * so this works for a plain server URL and for a real MongoDB with credentials.
 */
export function mongoUrlFor(database: string, base: string = engineEnv(ENGINE_ENV.mongo)): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(base);
  if (!match)
    throw new TypeError(`not a MongoDB connection string: ${base.replace(/\/\/[^@/]*@/, '//***@')}`);
  return `${match[1]}/${database}${match[2] ?? ''}`;
}
