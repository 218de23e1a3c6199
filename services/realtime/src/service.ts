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
import {
  createEventConsumer,
  createOutboxRelay,
  createRevocationList,
  revocationConsumer,
  TOPICS,
  type RevocationList,
} from '@support-center/events';
import type { Telemetry } from '@support-center/telemetry';
import { loadRealtimeConfig, type RealtimeConfig } from './config';
import { fanoutConsumer } from './events/fanout';
import { fanoutHandlers, projectionHandlers } from './events/handlers';
import { notificationSweeper } from './events/notification-sweeper';
import { Notifier } from './events/notifier';
import { createParking, parkingWorker } from './events/parking';
import { createMessageStore, MESSAGES_COLLECTION } from './store/messages';
import { createNotificationStore } from './store/notifications';
import { realtimeRoutes } from './routes';
import { createParkedEvents } from './store/parked-events';
import { createTicketProjection } from './store/tickets';
import { createChatEndpoint } from './ws/chat';
import { ChatRooms } from './ws/chat-rooms';
import { NotificationHub } from './ws/notifications';
import { createRealtimeSockets } from './ws/server';

export function start(telemetry: Telemetry, config: RealtimeConfig = loadRealtimeConfig()) {
  const fanout: { running: boolean }[] = [];
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
    name: 'realtime',
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
        kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: 'realtime', logger }),
        fanoutDependency(fanout),
      ]),
    build: ({ logger, dependencies }) => {
      const { connection } = dependencies[0] as MongoDependency;
      const { kafka } = dependencies[1] as KafkaDependency;
      const metrics = telemetry.metrics;
      const topicPrefix = config.KAFKA_TOPIC_PREFIX;

      const store = createMessageStore(connection);
      const tickets = createTicketProjection(connection);
      const relay = createOutboxRelay({
        connection,
        collections: [MESSAGES_COLLECTION],
        kafka,
        metrics,
        logger,
        topicPrefix,
      });
      const rooms = new ChatRooms({
        store,
        historyLimit: config.CHAT_HISTORY_LIMIT,
        onError: (error, ticketId) => logger.warn({ err: error, ticketId }, 'chat delivery failed'),
      });
      const notifications = createNotificationStore(connection, {
        retentionMs: config.NOTIFICATION_RETENTION_DAYS * 86_400_000,
      });
      const hub = new NotificationHub({ unreadCount: (userId) => notifications.unreadCount(userId), logger });
      const notifier = new Notifier(hub, notifications);
      const parked = createParkedEvents(connection, config.REALTIME_INSTANCE_ID);
      const parking = createParking({
        parked,
        tickets,
        deliver: (event, ticket) => notifier.ticketEvent(event, ticket),
        ttlMs: config.REALTIME_PARKED_EVENT_TTL_MS,
        metrics,
        logger,
      });
      const chat = createChatEndpoint({
        rooms,
        store,
        tickets,
        metrics,
        logger,
        limits: {
          maxFrameBytes: config.WS_MAX_FRAME_BYTES,
          maxMessageChars: config.CHAT_MAX_MESSAGE_CHARS,
          resyncLimit: config.CHAT_RESYNC_LIMIT,
          maxRoomsPerConnection: config.CHAT_MAX_ROOMS_PER_CONNECTION,
          rateBurst: config.CHAT_RATE_BURST,
          ratePerSecond: config.CHAT_RATE_PER_SECOND,
          maxQueuedFrames: config.WS_MAX_QUEUED_FRAMES,
        },
        onPosted: (message) => {
          relay.wake(MESSAGES_COLLECTION, `${message.ticketId}:${message.seq}`);
          void rooms.deliver(message);
        },
      });
      const auth = jwtAuth({ jwksUrl: config.AUTH_JWKS_URL, revocations });
      const sockets = createRealtimeSockets({
        auth,
        metrics,
        logger,
        heartbeatIntervalMs: config.WS_HEARTBEAT_INTERVAL_MS,
        maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
        frameRate: { burst: config.WS_FRAME_RATE_BURST, perSecond: config.WS_FRAME_RATE_PER_SECOND },
        chat,
        notifications: hub,
      });

      const projection = createEventConsumer({
        kafka,
        service: 'realtime',
        topic: TOPICS.tickets,
        handlers: projectionHandlers(tickets),
        metrics,
        logger,
        topicPrefix,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      });
      const handlers = fanoutHandlers({
        tickets,
        notifier,
        staffOnline: () => hub.staffOnline(),
        rooms,
        parking,
      });
      const consumers = ([TOPICS.tickets, TOPICS.files, TOPICS.chat] as const).map((topic) =>
        fanoutConsumer({
          kafka,
          topic,
          instanceId: config.REALTIME_INSTANCE_ID,
          handlers: handlers[topic],
          metrics,
          logger,
          topicPrefix,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        }),
      );
      fanout.push(...consumers);
      // A revoked session's open sockets are closed as soon as this instance learns of it.
      revocations.onRevoked(() => {
        const closed = sockets.closeRevoked((user) => revocations.isRevoked(user));
        if (closed > 0) logger.info({ closed }, 'sockets of revoked tokens closed');
      });

      return {
        routes: realtimeRoutes({
          auth,
          store,
          tickets,
          notifications,
          version: packageVersion(join(__dirname, '..')),
        }),
        sockets,
        workers: [
          { name: 'chat indexes', start: () => store.ensureIndexes(), stop: async () => undefined },
          {
            name: 'notification indexes',
            start: () => notifications.ensureIndexes(),
            stop: async () => undefined,
          },
          notificationSweeper(notifications, config.NOTIFICATION_SWEEP_INTERVAL_MS, logger, metrics),
          { name: 'outbox relay', start: async () => relay.start(), stop: () => relay.stop() },
          { name: 'ticket projection', start: () => projection.start(), stop: () => projection.stop() },
          parkingWorker(parking, parked, config.REALTIME_PARKED_SWEEP_INTERVAL_MS, logger, metrics),
          ...consumers,
          revocations.worker,
          revocationConsumer({ kafka, service: 'realtime', revocations, metrics, logger, topicPrefix }),
        ],
      };
    },
  });
}

/** Ready once this instance's fan-out consumers run: before that its sockets would miss events. */
function fanoutDependency(consumers: readonly { running: boolean }[]): Dependency {
  return {
    name: 'fanout',
    required: true,
    async check() {
      if (consumers.length === 0 || consumers.some((c) => !c.running))
        throw new Error('fan-out consumers not running');
    },
    async close() {},
  };
}
