import { join } from 'node:path';
import { revocationListFor, serviceEvents, TOPICS } from '@support-center/events';
import {
  defineService,
  jwtAuth,
  kafkaDependency,
  mongoDependency,
  packageVersion,
  periodicTask,
  type RunningService,
  type ServiceContext,
} from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { ticketRoutes } from './app';
import { createReadCache } from './cache/read-cache';
import { loadTicketConfig, slaPolicy, type TicketConfig } from './config';
import type { Ticket } from './domain/ticket';
import { authHandlers, filesHandlers } from './events/consumers';
import { slaWorker } from './events/sla-worker';
import { openTicketsGauges } from './metrics/open-tickets';
import { overdueTicketsGauge } from './metrics/overdue-tickets';
import { ticketMetrics } from './metrics/ticket-metrics';
import { collections as openCollections, COLLECTIONS, ensureIndexes } from './store/collections';
import { ticketStore } from './store/tickets';
import { ticketService } from './tickets';

/** Entry point used by main.ts (after telemetry started). */
export function start(telemetry: Telemetry): Promise<RunningService> {
  return startTicketService({ config: loadTicketConfig(), telemetry });
}

export interface StartTicketServiceOptions {
  config: Readonly<TicketConfig>;
  telemetry: Telemetry;
  /** The service's clock (service-level due times and their checks); tests drive it. */
  now?: () => Date;
}

/** Runs the ticket service on `config`. */
export function startTicketService({
  config,
  telemetry,
  now = () => new Date(),
}: StartTicketServiceOptions): Promise<RunningService> {
  return ticket(now).run({ config, telemetry });
}

/** The ticket service: store, cache, events (outbox relay, consumers), gauges, the SLA check and the API. */
function ticket(now: () => Date) {
  return defineService({
    name: 'ticket',
    dependencies: (context: ServiceContext<Readonly<TicketConfig>>) => {
      const mongo = mongoDependency(context);
      return {
        mongo,
        kafka: kafkaDependency(context),
        revocations: revocationListFor(context, mongo.connection),
      };
    },
    start: ({ config, logger, telemetry, mongo, kafka, revocations }) => {
      const metrics = telemetry.metrics;
      const collections = openCollections(mongo.connection);
      const cache = createReadCache<Ticket>({
        name: 'tickets',
        maxKeys: config.TICKET_CACHE_MAX_KEYS,
        maxBytes: config.TICKET_CACHE_MAX_BYTES,
        ttlMs: config.TICKET_CACHE_TTL_MS,
        metrics,
      });
      const handlers = { collections, cache, logger, revocations };
      const events = serviceEvents({
        service: 'ticket',
        kafka: kafka.kafka,
        connection: mongo.connection,
        metrics,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        owns: [TOPICS.tickets],
        outbox: { collections: [COLLECTIONS.tickets], pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS },
        consumes: {
          users: { topic: TOPICS.auth, handlers: authHandlers(handlers) },
          files: { topic: TOPICS.files, handlers: filesHandlers(handlers) },
        },
      });
      const tickets = ticketService({
        store: ticketStore(collections, events.outbox),
        users: collections.users,
        cache,
        metrics: ticketMetrics(metrics, (error) =>
          logger.warn({ err: error }, 'recording ticket metrics failed'),
        ),
        limits: {
          maxComments: config.TICKET_MAX_COMMENTS,
          maxDocumentBytes: config.TICKET_MAX_DOCUMENT_BYTES,
        },
        sla: slaPolicy(config),
        now,
      });
      const sla = slaWorker({
        tickets: collections.tickets,
        warningFraction: config.SLA_WARNING_FRACTION,
        now,
        batch: config.SLA_CHECK_BATCH,
        metrics,
        outbox: events.outbox,
        marked: (id) => cache.delete(id),
      });
      return {
        routes: ticketRoutes({
          tickets,
          auth: jwtAuth({ jwksUrl: config.AUTH_JWKS_URL, revocations }),
          version: packageVersion(join(__dirname, '..')),
        }),
        workers: [
          { name: 'ticket indexes', start: () => ensureIndexes(collections), stop: async () => undefined },
          ...events.workers,
          openTicketsGauges({
            tickets: collections.tickets,
            metrics,
            maxAgeMs: config.OPEN_TICKETS_GAUGE_MAX_AGE_MS,
            intervalMs: config.OPEN_TICKETS_GAUGE_INTERVAL_MS,
            logger,
          }),
          periodicTask({
            name: 'sla-check',
            intervalMs: config.SLA_CHECK_INTERVAL_MS,
            run: async () => void (await sla.run()),
            logger,
            metrics,
          }),
          overdueTicketsGauge({
            tickets: collections.tickets,
            metrics,
            now,
            maxAgeMs: config.OPEN_TICKETS_GAUGE_MAX_AGE_MS,
            logger,
          }),
          { name: 'ticket cache', start: async () => undefined, stop: async () => cache.close() },
        ],
      };
    },
  });
}
