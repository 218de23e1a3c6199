import { join } from 'node:path';
import {
  createOutboxRelay,
  createRevocationList,
  ensureTopics,
  TOPICS,
  type RevocationList,
} from '@support-center/events';
import {
  jwtAuth,
  kafkaDependency,
  mongoDependency,
  packageVersion,
  periodicTask,
  startService,
  type KafkaDependency,
  type MongoDependency,
  type RunningService,
  type Worker,
} from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { ticketRoutes } from './app';
import { createReadCache } from './cache/read-cache';
import { loadTicketConfig, slaPolicy, type TicketConfig } from './config';
import type { Ticket } from './domain/ticket';
import { authConsumer, filesConsumer } from './events/consumers';
import { slaWorker } from './events/sla-worker';
import { openTicketsGauges } from './metrics/open-tickets';
import { observeOverdueTickets } from './metrics/overdue-tickets';
import { ticketMetrics } from './metrics/ticket-metrics';
import { collections as openCollections, COLLECTIONS, ensureIndexes } from './store/collections';
import { ticketStore } from './store/tickets';
import { ticketService } from './tickets';

const NAME = 'ticket';

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

/** Wires the ticket service: store, cache, outbox relay, consumers, gauges and the API. */
export function startTicketService({
  config,
  telemetry,
  now = () => new Date(),
}: StartTicketServiceOptions): Promise<RunningService> {
  let mongo: MongoDependency;
  let kafka: KafkaDependency;
  let revocations: RevocationList;
  return startService({
    name: NAME,
    config,
    telemetry,
    dependencies: ({ logger }) => {
      mongo = mongoDependency({
        url: config.MONGO_URL,
        dbName: config.MONGO_DB,
        maxPoolSize: config.MONGO_MAX_POOL_SIZE,
        logger,
        metrics: telemetry.metrics,
      });
      kafka = kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: NAME, logger });
      revocations = createRevocationList({
        connection: mongo.connection,
        refreshIntervalMs: config.REVOCATION_REFRESH_INTERVAL_MS,
        logger,
        metrics: telemetry.metrics,
      });
      return [mongo, kafka, revocations.readiness];
    },
    build: ({ logger }) => {
      const metrics = telemetry.metrics;
      const collections = openCollections(mongo.connection);
      const cache = createReadCache<Ticket>({
        name: 'tickets',
        maxKeys: config.TICKET_CACHE_MAX_KEYS,
        maxBytes: config.TICKET_CACHE_MAX_BYTES,
        ttlMs: config.TICKET_CACHE_TTL_MS,
        metrics,
      });
      const relay = createOutboxRelay({
        connection: mongo.connection,
        collections: [COLLECTIONS.tickets],
        kafka: kafka.kafka,
        metrics,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      });
      const tickets = ticketService({
        store: ticketStore(collections),
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
        wake: (collection, id) => relay.wake(collection, id),
      });
      const sla = slaWorker({
        tickets: collections.tickets,
        warningFraction: config.SLA_WARNING_FRACTION,
        now,
        batch: config.SLA_CHECK_BATCH,
        metrics,
        marked: (id) => {
          cache.delete(id);
          relay.wake(COLLECTIONS.tickets, id);
        },
      });
      let stopOverdue = () => undefined as void;

      let topicsCreated: () => void = () => undefined;
      const topicsReady = new Promise<void>((resolve) => (topicsCreated = resolve));
      const consumerOptions = {
        kafka: kafka.kafka,
        collections,
        cache,
        metrics,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        revocations,
      };
      const consumers = [authConsumer(consumerOptions), filesConsumer(consumerOptions)];

      const workers: Worker[] = [
        {
          name: 'ticket indexes',
          start: () => ensureIndexes(collections),
          stop: async () => undefined,
        },
        {
          name: 'kafka topics',
          async start() {
            const admin = kafka.kafka.admin();
            await admin.connect();
            try {
              await ensureTopics(admin, [TOPICS.tickets, TOPICS.auth, TOPICS.files], {
                prefix: config.KAFKA_TOPIC_PREFIX,
                partitions: config.KAFKA_TOPIC_PARTITIONS,
              });
            } finally {
              await admin.disconnect();
            }
            topicsCreated();
          },
          stop: async () => undefined,
        },
        {
          name: 'outbox relay',
          async start() {
            // Its first scan would fail on a connection still opening; keepTrying retries this start.
            if (mongo.connection.readyState !== 1) throw new Error('MongoDB is not connected yet');
            relay.start();
          },
          stop: () => relay.stop(),
        },
        ...consumers.map((consumer): Worker => ({
          name: `consumer ${consumer.groupId}`,
          async start() {
            await topicsReady;
            await consumer.start();
          },
          stop: () => consumer.stop(),
        })),
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
        {
          name: 'overdue-tickets-gauge',
          async start() {
            stopOverdue = observeOverdueTickets({
              tickets: collections.tickets,
              metrics,
              now,
              maxAgeMs: config.OPEN_TICKETS_GAUGE_MAX_AGE_MS,
              logger,
            });
          },
          stop: async () => stopOverdue(),
        },
        { name: 'ticket cache', start: async () => undefined, stop: async () => cache.close() },
        revocations.worker,
      ];

      return {
        routes: ticketRoutes({
          tickets,
          auth: jwtAuth({ jwksUrl: config.AUTH_JWKS_URL, revocations }),
          version: packageVersion(join(__dirname, '..')),
        }),
        workers,
      };
    },
  });
}
