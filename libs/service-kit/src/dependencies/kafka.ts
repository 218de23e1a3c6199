import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import type { BaseConfig } from '../config';
import type { Logger } from '../logger';
import { DependencyNotReadyError, type Dependency } from './dependency';
import { keepTrying } from './retry';

export interface KafkaDependencyOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

/** A service's start context: its name is the client id, `KAFKA_BROKERS` the brokers. */
export interface KafkaContext {
  name: string;
  config: Pick<BaseConfig, 'KAFKA_BROKERS'>;
  logger: Logger;
}

export interface KafkaDependency extends Dependency {
  readonly kafka: Kafka;
}

/**
 * kafkajs logs every failed attempt and every error answer (a connection refused, a coordinator
 * still loading, a leader not elected yet) at error, retries most of them, and hands what it gives up
 * on to its caller, which logs it once with its context (the kit's retries, the consumers' crash
 * handler, the relay). Its own lines are detail for debugging.
 */
const PINO_LEVEL = {
  [logLevel.NOTHING]: 'silent',
  [logLevel.ERROR]: 'debug',
  [logLevel.WARN]: 'debug',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
} as const;

/**
 * The Kafka client of a service (from its start context, or explicit options), with an admin
 * connection that /ready probes.
 */
export function kafkaDependency(options: KafkaDependencyOptions | KafkaContext): KafkaDependency {
  const { brokers, clientId, logger } =
    'config' in options
      ? { brokers: options.config.KAFKA_BROKERS, clientId: options.name, logger: options.logger }
      : options;
  const kafka = new Kafka({
    clientId,
    brokers,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafka(logger, entry),
  });
  // The probe must answer within the readiness timeout, so it does not retry on its own.
  const admin: Admin = kafka.admin({ retry: { retries: 0 } });
  let connected = false;
  const stop = keepTrying(
    async () => {
      await admin.connect();
      connected = true;
    },
    { what: 'Kafka', logger },
  );

  return {
    name: 'kafka',
    required: true,
    kafka,
    async check() {
      if (!connected) throw new DependencyNotReadyError('not connected');
      await admin.describeCluster();
    },
    async close() {
      stop();
      await admin.disconnect();
    },
  };
}

function logKafka(logger: Logger, { level, log }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
  const pinoLevel = PINO_LEVEL[level];
  if (pinoLevel !== 'silent') logger[pinoLevel]({ kafka: fields }, message);
}
