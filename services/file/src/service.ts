import { join } from 'node:path';
import { revocationListFor, serviceEvents, TOPICS } from '@support-center/events';
import {
  defineService,
  jwtAuth,
  kafkaDependency,
  mongoDependency,
  packageVersion,
  type ServiceContext,
} from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { fileRoutes } from './app';
import { loadFileConfig, type FileConfig } from './config';
import { ticketHandlers } from './events/handlers';
import { bucketDependency } from './store/bucket';
import { createFileRepository, FILES_COLLECTION } from './store/files';
import { createObjectStore } from './store/objects';
import { createTicketAccessProjection } from './store/tickets';

/** The file service: metadata and its events, the bucket, the ticket access projection and the API. */
export const fileService = defineService({
  name: 'file',
  dependencies: (context: ServiceContext<Readonly<FileConfig>>) => {
    const mongo = mongoDependency(context);
    return {
      mongo,
      kafka: kafkaDependency(context),
      bucket: bucketDependency(context.config, context.logger, context.telemetry.metrics),
      revocations: revocationListFor(context, mongo.connection),
    };
  },
  start: ({ config, logger, telemetry, mongo, kafka, bucket, revocations }) => {
    const tickets = createTicketAccessProjection(mongo.connection);
    const events = serviceEvents({
      service: 'file',
      kafka: kafka.kafka,
      connection: mongo.connection,
      metrics: telemetry.metrics,
      logger,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      owns: [TOPICS.files],
      outbox: { collections: [FILES_COLLECTION], pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS },
      consumes: {
        tickets: { topic: TOPICS.tickets, handlers: ticketHandlers(tickets) },
        revocations: { topic: TOPICS.auth, handlers: revocations.handlers },
      },
    });
    const routes = fileRoutes({
      auth: jwtAuth({ jwksUrl: config.AUTH_JWKS_URL, revocations }),
      files: createFileRepository(mongo.connection, events.outbox),
      objects: createObjectStore({
        client: bucket.client,
        bucket: bucket.bucket,
        metrics: telemetry.metrics,
        logger,
        partSize: config.S3_PART_SIZE_BYTES,
        queueSize: config.S3_UPLOAD_QUEUE_SIZE,
      }),
      tickets,
      metrics: telemetry.metrics,
      logger,
      maxBytes: config.FILE_MAX_BYTES,
      nameMaxBytes: config.FILE_NAME_MAX_BYTES,
      unknownTicketWaitMs: config.FILE_UNKNOWN_TICKET_WAIT_MS,
      version: packageVersion(join(__dirname, '..')),
    });
    return {
      routes,
      // The upload is the one body that is not JSON (the kit answers 415 to JSON there, and to anything else elsewhere).
      otherBodies: [{ method: 'POST', path: '/api/v1/files', types: ['multipart/form-data'] }],
      workers: events.workers,
    };
  },
});

export function start(telemetry: Telemetry) {
  return fileService.run({ config: loadFileConfig(), telemetry });
}
