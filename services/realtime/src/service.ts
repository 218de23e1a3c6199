import { join } from 'node:path';
import {
  defineService,
  jwtAuth,
  kafkaDependency,
  mongoDependency,
  packageVersion,
  readyOnceStarted,
  type ServiceContext,
} from '@support-center/service-kit';
import { revocationListFor, serviceEvents, TOPICS, type ConsumerDeclaration } from '@support-center/events';
import type { Telemetry } from '@support-center/telemetry';
import { loadRealtimeConfig, type RealtimeConfig } from './config';
import { fanoutHandlers, projectionHandlers } from './events/handlers';
import { notificationSweeper } from './events/notification-sweeper';
import { Notifier } from './events/notifier';
import { ticketArrivals } from './events/arrivals';
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

/** The realtime service: chat and notification sockets, their stores, the event projection and fan-out. */
export const realtimeService = defineService({
  name: 'realtime',
  dependencies: (context: ServiceContext<RealtimeConfig>) => {
    const mongo = mongoDependency(context);
    return {
      mongo,
      kafka: kafkaDependency(context),
      // Ready once this instance's fan-out consumers run: before that its sockets would miss events.
      fanout: readyOnceStarted('fanout', 'fan-out consumers not running'),
      revocations: revocationListFor(context, mongo.connection),
    };
  },
  start: ({ config, logger, telemetry, mongo, kafka, fanout, revocations }) => {
    const { connection } = mongo;
    const metrics = telemetry.metrics;
    const events = serviceEvents({
      service: 'realtime',
      kafka: kafka.kafka,
      connection,
      metrics,
      logger,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      owns: [TOPICS.chat],
      outbox: { collections: [MESSAGES_COLLECTION] },
    });

    const store = createMessageStore(connection, events.outbox);
    const tickets = createTicketProjection(connection);
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
    const arrivals = ticketArrivals();
    const chat = createChatEndpoint({
      rooms,
      store,
      tickets,
      arrivals,
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
        joinWaitMs: config.CHAT_JOIN_WAIT_MS,
      },
      onPosted: (message) => void rooms.deliver(message),
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

    const handlers = fanoutHandlers({
      tickets,
      notifier,
      staffOnline: () => hub.staffOnline(),
      rooms,
      parking,
      arrivals,
    });
    /** A group of this instance's own per topic: every instance sees every event its sockets need. */
    const fanoutOf = (topic: 'tickets' | 'files' | 'chat'): ConsumerDeclaration => ({
      topic,
      handlers: handlers[topic],
      group: 'realtime-fanout',
      instance: config.REALTIME_INSTANCE_ID,
      // A notification that cannot be delivered now is not worth a dead letter per instance.
      maxAttempts: 3,
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    const consumers = events.consume({
      projection: { topic: TOPICS.tickets, handlers: projectionHandlers(tickets, arrivals) },
      ticketsFanout: fanoutOf(TOPICS.tickets),
      filesFanout: fanoutOf(TOPICS.files),
      chatFanout: fanoutOf(TOPICS.chat),
      revocations: { topic: TOPICS.auth, handlers: revocations.handlers },
    });
    fanout.follow(consumers.ticketsFanout, consumers.filesFanout, consumers.chatFanout);
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
        parkingWorker(parking, parked, config.REALTIME_PARKED_SWEEP_INTERVAL_MS, logger, metrics),
        ...events.workers,
      ],
    };
  },
});

export function start(telemetry: Telemetry, config: RealtimeConfig = loadRealtimeConfig()) {
  return realtimeService.run({ config, telemetry });
}
