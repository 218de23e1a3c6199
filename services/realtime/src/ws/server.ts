import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AppError,
  loggedMetricGuard,
  type AuthUser,
  type JwtAuth,
  type Logger,
  type SocketHandler,
} from '@support-center/service-kit';
import { Client } from './client';
import { clientTypeOf, ENDPOINTS, receivedTypeOf, type Endpoint, type WsInstruments } from './metrics';
import type { NotificationHub } from './notifications';

/** Close codes: the 4xxx ones mirror HTTP statuses, as browsers never see the upgrade's status. */
export const CLOSE_CODES = {
  unauthorized: 4401,
  goingAway: 1001,
  tryAgainLater: 1013,
} as const;

/** Hard cap of one frame, past which ws closes the socket (1009); the soft limit answers an error frame. */
const HARD_MAX_PAYLOAD = 1_048_576;
/** How long shutdown waits for clients to answer the 1001 close before cutting them. */
const CLOSE_GRACE_MS = 2_000;

export interface RealtimeSocketsOptions {
  auth: Pick<JwtAuth, 'verify'>;
  metrics: WsInstruments;
  logger: Logger;
  heartbeatIntervalMs: number;
  maxBufferedBytes: number;
  /** Frames of any kind (and pings) one connection may send at once, and refills per second. */
  frameRate: { burst: number; perSecond: number };
  chat: { frame(client: Client, data: Buffer | ArrayBuffer | Buffer[]): void; close(client: Client): void };
  notifications: NotificationHub;
}

const BEARER = /^Bearer (\S+)$/;

/**
 * The WebSocket side of the service: authenticates upgrades to `/chat` and `/ws/notifications`
 * (closing with 4401 without a valid token), pings every client and drops the ones that stop
 * answering, and closes everyone with 1001 at shutdown.
 */
export function createRealtimeSockets(options: RealtimeSocketsOptions): SocketHandler & {
  readonly size: number;
  /** Closes with 4401 the sockets whose token `isRevoked` now refuses; resolves how many. */
  closeRevoked(isRevoked: (user: AuthUser) => boolean): number;
} {
  const { auth, logger } = options;
  // Connections, frames and heartbeats go on when recording their metrics fails (clients too).
  const metrics = loggedMetricGuard(logger, 'websocket').instruments(options.metrics);
  // Pings are answered here, within the connection's frame budget (a ping flood is a flood too).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: HARD_MAX_PAYLOAD,
    perMessageDeflate: false,
    autoPong: false,
  });
  const clients = new Set<Client>();
  let closing = false;
  let heartbeat: NodeJS.Timeout | undefined;

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const endpoint = Object.values(ENDPOINTS).find((path) => path === url.pathname);
    if (!endpoint || closing) {
      socket.end(
        `HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    socket.on('error', () => undefined);
    const token = url.searchParams.get('token') ?? BEARER.exec(req.headers.authorization ?? '')?.[1];
    let user: AuthUser | undefined;
    let failure: unknown;
    if (token) {
      try {
        user = await auth.verify(token);
      } catch (error) {
        failure = error;
      }
    }
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!user) {
        const unavailable = failure instanceof AppError && failure.code === 'DEPENDENCY_UNAVAILABLE';
        metrics.websocket_connections_total.add(1, {
          endpoint,
          status: unavailable ? 'error' : 'unauthorized',
        });
        if (unavailable) logger.warn({ err: failure }, 'token keys unavailable; refusing the socket');
        ws.close(
          unavailable ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.unauthorized,
          unavailable ? 'try again later' : 'unauthorized',
        );
        return;
      }
      accept(ws, user, endpoint, clientTypeOf(url.searchParams.get('client')));
    });
  }

  function accept(
    ws: WebSocket,
    user: AuthUser,
    endpoint: Endpoint,
    clientType: ReturnType<typeof clientTypeOf>,
  ) {
    const client = new Client(ws, user, endpoint, clientType, {
      metrics,
      maxBufferedBytes: options.maxBufferedBytes,
      frameRate: options.frameRate,
    });
    clients.add(client);
    metrics.websocket_connections_total.add(1, { endpoint, status: 'success' });
    metrics.websocket_active_connections.add(1, { endpoint, client_type: clientType });
    if (endpoint === ENDPOINTS.notifications) options.notifications.add(client);

    ws.on('pong', () => {
      client.alive = true;
      if (client.pingSentAt > 0) {
        metrics.websocket_heartbeat_rtt_seconds.record((performance.now() - client.pingSentAt) / 1000, {
          endpoint,
        });
        client.pingSentAt = 0;
      }
    });
    ws.on('message', (data) => {
      if (endpoint === ENDPOINTS.chat) {
        options.chat.frame(client, data);
        return;
      }
      metrics.websocket_messages_received_total.add(1, { message_type: receivedTypeOf(undefined), endpoint });
      if (client.admitFrame())
        client.error('INVALID_FRAME', 'invalid_frame', {}, 'This endpoint accepts no frames');
      else client.error('RATE_LIMITED', 'rate_limited', {}, 'Too many frames; slow down');
    });
    ws.on('ping', (data) => {
      if (client.admitFrame()) ws.pong(data);
      else client.countError('rate_limited');
    });
    ws.on('error', (error) => {
      client.countError('socket_error');
      logger.debug({ err: error, endpoint }, 'socket error');
    });
    ws.once('close', () => {
      clients.delete(client);
      metrics.websocket_active_connections.add(-1, { endpoint, client_type: clientType });
      if (endpoint === ENDPOINTS.notifications) options.notifications.remove(client);
      else options.chat.close(client);
    });
  }

  function ping() {
    for (const client of clients) {
      if (!client.alive) {
        client.drop('heartbeat_timeout');
        continue;
      }
      client.alive = false;
      client.pingSentAt = performance.now();
      try {
        client.ws.ping();
      } catch {
        client.drop('socket_error');
      }
    }
  }

  return {
    get size() {
      return clients.size;
    },
    closeRevoked(isRevoked) {
      let closed = 0;
      for (const client of clients) {
        if (client.ws.readyState !== client.ws.OPEN || !isRevoked(client.user)) continue;
        client.ws.close(CLOSE_CODES.unauthorized, 'token revoked');
        closed += 1;
      }
      return closed;
    },
    attach(server: Server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        upgrade(req, socket, head).catch((error: unknown) => {
          logger.error({ err: error }, 'upgrade failed');
          socket.destroy();
        });
      });
      heartbeat = setInterval(ping, options.heartbeatIntervalMs);
      heartbeat.unref();
    },
    async close() {
      closing = true;
      clearInterval(heartbeat);
      if (clients.size === 0) return;
      const closed = [...clients].map(
        (client) =>
          new Promise<void>((done) => {
            client.ws.once('close', () => done());
            client.ws.close(CLOSE_CODES.goingAway, 'server shutting down');
          }),
      );
      const grace = new Promise<void>((done) => setTimeout(done, CLOSE_GRACE_MS).unref());
      await Promise.race([Promise.all(closed), grace]);
      for (const client of clients) client.ws.terminate();
    },
  };
}
