import { join } from 'node:path';
import {
  jwtAuth,
  kafkaDependency,
  mongoDependency,
  packageVersion,
  startService,
  type Dependency,
  type KafkaDependency,
  type Logger,
  type MongoDependency,
} from '@support-center/service-kit';
import { createRevocationList, revocationConsumer, type RevocationList } from '@support-center/events';
import type { Telemetry } from '@support-center/telemetry';
import { fileRoutes } from './app';
import { loadFileConfig } from './config';
import { eventWorkers } from './events/workers';
import { bucketDependency, type BucketDependency } from './store/bucket';
import { createFileRepository } from './store/files';
import { createObjectStore } from './store/objects';
import { createTicketAccessProjection } from './store/tickets';

export function start(telemetry: Telemetry) {
  const config = loadFileConfig();
  let revocations: RevocationList;
  /** The revocation list reads the service's own database: made with the MongoDB dependency. */
  const withRevocations = (logger: Logger, made: Dependency[]): Dependency[] => {
    const { connection } = made[0] as MongoDependency;
    revocations = createRevocationList({
      connection,
      refreshIntervalMs: config.REVOCATION_REFRESH_INTERVAL_MS,
      logger,
      metrics: telemetry.metrics,
    });
    return [...made, revocations.readiness];
  };
  return startService({
    name: 'file',
    config,
    telemetry,
    dependencies: ({ logger }) =>
      withRevocations(logger, [
        mongoDependency({
          url: config.MONGO_URL,
          dbName: config.MONGO_DB,
          maxPoolSize: config.MONGO_MAX_POOL_SIZE,
          logger,
          metrics: telemetry.metrics,
        }),
        kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: 'file', logger }),
        bucketDependency(config, logger, telemetry.metrics),
      ]),
    build: ({ dependencies, logger }) => {
      const [mongo, kafka, bucket] = dependencies as [MongoDependency, KafkaDependency, BucketDependency];
      const tickets = createTicketAccessProjection(mongo.connection);
      const { relay, workers } = eventWorkers({
        kafka: kafka.kafka,
        connection: mongo.connection,
        metrics: telemetry.metrics,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
        tickets,
      });
      const routes = fileRoutes({
        auth: jwtAuth({ jwksUrl: config.AUTH_JWKS_URL, revocations }),
        files: createFileRepository(mongo.connection),
        objects: createObjectStore({
          client: bucket.client,
          bucket: bucket.bucket,
          metrics: telemetry.metrics,
          logger,
          partSize: config.S3_PART_SIZE_BYTES,
          queueSize: config.S3_UPLOAD_QUEUE_SIZE,
        }),
        tickets,
        relay,
        metrics: telemetry.metrics,
        logger,
        maxBytes: config.FILE_MAX_BYTES,
        nameMaxBytes: config.FILE_NAME_MAX_BYTES,
        unknownTicketWaitMs: config.FILE_UNKNOWN_TICKET_WAIT_MS,
        version: packageVersion(join(__dirname, '..')),
      });
      const revocationWorkers = [
        revocations.worker,
        revocationConsumer({
          kafka: kafka.kafka,
          service: 'file',
          revocations,
          metrics: telemetry.metrics,
          logger,
          topicPrefix: config.KAFKA_TOPIC_PREFIX,
        }),
      ];
      return {
        routes,
        // The upload is the one body that is not JSON (the kit answers 415 to JSON there, and to anything else elsewhere).
        otherBodies: [{ method: 'POST', path: '/api/v1/files', types: ['multipart/form-data'] }],
        workers: [...workers, ...revocationWorkers],
      };
    },
  });
}
