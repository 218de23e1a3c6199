import WebSocket, { type RawData } from 'ws';
import { loggedMetricGuard, parseInput, ValidationError, type Logger } from '@support-center/service-kit';
import { canJoinRoom } from '../domain/access';
import { TokenBucket } from '../domain/rate-limit';
import { gapSizeLabel } from '../domain/sequence';
import type { ChatMessage, MessageStore } from '../store/messages';
import type { TicketArrivals } from '../events/arrivals';
import type { TicketProjection } from '../store/tickets';
import type { ChatRooms } from './chat-rooms';
import { messageFrame } from './chat-rooms';
import type { Client } from './client';
import { chatFrame, type ChatFrame } from './frames';
import { ENDPOINTS, receivedTypeOf, type WsInstruments } from './metrics';

export interface ChatLimits {
  maxFrameBytes: number;
  maxMessageChars: number;
  resyncLimit: number;
  maxRoomsPerConnection: number;
  rateBurst: number;
  ratePerSecond: number;
  /** Frames received but not yet handled, per connection; past it the connection is closed (1008). */
  maxQueuedFrames: number;
  /** How long a join waits for a ticket this instance does not know (or not as visible) yet. */
  joinWaitMs: number;
}

/** Closed with this when its queue overflows: a policy violation (RFC 6455), not a transient state. */
export const QUEUE_OVERFLOW_CLOSE = 1008;

interface FrameQueue {
  tail: Promise<void>;
  /** Frames received and not yet handled. */
  depth: number;
}

export interface ChatEndpointOptions {
  rooms: ChatRooms;
  store: Pick<MessageStore, 'post' | 'range'>;
  tickets: Pick<TicketProjection, 'get'>;
  arrivals: Pick<TicketArrivals, 'next'>;
  limits: ChatLimits;
  metrics: WsInstruments;
  logger: Logger;
  /** A message was stored here (its event with it): deliver it locally. */
  onPosted(message: ChatMessage): void;
}

const endpoint = ENDPOINTS.chat;

/** The `/chat` protocol: join, leave, message and resync frames of one client, handled in order. */
export function createChatEndpoint(options: ChatEndpointOptions) {
  const { rooms, store, tickets, arrivals, limits, logger } = options;
  // A frame is answered even when recording its metrics fails.
  const metrics = loggedMetricGuard(logger, 'chat').instruments(options.metrics);
  const queues = new WeakMap<Client, FrameQueue>();
  const buckets = new WeakMap<Client, TokenBucket>();

  function received(type: unknown) {
    metrics.websocket_messages_received_total.add(1, { message_type: receivedTypeOf(type), endpoint });
  }

  function frameSize(data: RawData): number {
    return Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : (data as Buffer | ArrayBuffer).byteLength;
  }

  function text(data: RawData): string {
    if (Buffer.isBuffer(data)) return data.toString();
    return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString();
  }

  /** The type and room a frame names, if it is JSON that names them (for a refused frame's answer). */
  function peek(data: RawData | undefined): { type: unknown; ticketId?: string } {
    try {
      const json = JSON.parse(data === undefined ? 'null' : text(data)) as Record<string, unknown> | null;
      const ticketId = json?.ticketId;
      return {
        type: json?.type,
        ticketId: typeof ticketId === 'string' ? ticketId.slice(0, 128) : undefined,
      };
    } catch {
      return { type: undefined };
    }
  }

  /** Parses a frame (undefined: too large); answers an error frame and returns undefined when it is not acceptable. */
  function parse(client: Client, data: RawData | undefined): ChatFrame | undefined {
    if (data === undefined) {
      received('unknown');
      client.error(
        'FRAME_TOO_LARGE',
        'frame_too_large',
        {},
        `Frames are limited to ${limits.maxFrameBytes} bytes`,
      );
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text(data));
    } catch {
      received('unknown');
      client.error('INVALID_FRAME', 'invalid_frame', {}, 'The frame is not valid JSON');
      return undefined;
    }
    const type = (json as { type?: unknown } | null)?.type;
    received(type);
    try {
      // Fields at fault named as the HTTP APIs name them (the kit's parseInput).
      return parseInput(chatFrame, json, 'frame');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      client.error('INVALID_FRAME', 'invalid_frame', {}, `Invalid frame: ${error.message}`);
      return undefined;
    }
  }

  /**
   * Whether the client may see the ticket, waiting up to `joinWaitMs` for the events that would
   * make it so: the ticket's creation, or its assignment to this agent, may still be on its way.
   * Only a join with at most one frame queued behind it (its first message, say) waits: a client
   * that opens one chat gets the wait, a burst of joins is answered at once instead of holding its
   * connection's queue.
   */
  async function visibleTicket(client: Client, ticketId: string): Promise<boolean> {
    const alone = (queues.get(client)?.depth ?? 0) <= 2;
    const deadline = Date.now() + (alone ? limits.joinWaitMs : 0);
    for (;;) {
      const arrival = arrivals.next(ticketId);
      const ticket = await tickets.get(ticketId);
      if (ticket && canJoinRoom(client.user, ticket)) {
        arrival.cancel();
        return true;
      }
      const left = deadline - Date.now();
      if (left <= 0 || !(await arrival.within(left))) {
        arrival.cancel();
        return false;
      }
    }
  }

  async function join(client: Client, ticketId: string) {
    const startedAt = performance.now();
    if (!client.rooms.has(ticketId) && client.rooms.size >= limits.maxRoomsPerConnection) {
      client.error('TOO_MANY_ROOMS', 'too_many_rooms', { ticketId });
      return;
    }
    // Someone else's ticket answers as an unknown one does, after the same wait: no oracle for
    // which ids exist.
    if (!(await visibleTicket(client, ticketId))) {
      client.error('NOT_FOUND', 'not_found', { ticketId });
      return;
    }
    const history = await rooms.join(client, ticketId);
    client.send({ type: 'history', ticketId, messages: history.map(messageFrame) } as { type: 'history' });
    metrics.websocket_initial_load_duration_seconds.record((performance.now() - startedAt) / 1000, {
      endpoint,
    });
  }

  async function post(client: Client, ticketId: string, body: string) {
    if (!rooms.isMember(client, ticketId)) {
      client.error('NOT_JOINED', 'not_joined', { ticketId });
      return;
    }
    if (body.trim().length === 0) {
      client.error('INVALID_FRAME', 'invalid_frame', { ticketId }, 'Invalid frame: body: must not be empty');
      return;
    }
    if (body.length > limits.maxMessageChars) {
      client.error(
        'MESSAGE_TOO_LARGE',
        'message_too_large',
        { ticketId },
        `Messages are limited to ${limits.maxMessageChars} characters`,
      );
      return;
    }
    let bucket = buckets.get(client);
    if (!bucket)
      buckets.set(client, (bucket = new TokenBucket(limits.rateBurst, limits.ratePerSecond, Date.now())));
    if (!bucket.take(Date.now())) {
      client.error('RATE_LIMITED', 'rate_limited', { ticketId });
      return;
    }
    const message = await store.post({ ticketId, authorId: client.user.id, body });
    options.onPosted(message);
  }

  async function resync(client: Client, ticketId: string, afterSeq: number) {
    if (!rooms.isMember(client, ticketId)) {
      client.error('NOT_JOINED', 'not_joined', { ticketId });
      return;
    }
    const missed = await store.range(ticketId, afterSeq, undefined, limits.resyncLimit);
    if (missed.length > 0) {
      metrics.websocket_sequence_gaps_detected_total.add(1, {
        endpoint,
        gap_size: gapSizeLabel(missed.length),
      });
    }
    client.send({ type: 'history', ticketId, afterSeq, messages: missed.map(messageFrame) } as {
      type: 'history';
    });
  }

  async function handle(client: Client, frame: ChatFrame) {
    try {
      switch (frame.type) {
        case 'join':
          return await join(client, frame.ticketId);
        case 'leave':
          return rooms.leave(client, frame.ticketId);
        case 'message':
          return await post(client, frame.ticketId, frame.body);
        case 'resync':
          return await resync(client, frame.ticketId, frame.afterSeq);
      }
    } catch (error) {
      logger.warn({ err: error, frame: frame.type, ticketId: frame.ticketId }, 'chat frame failed');
      client.error('UNAVAILABLE', 'internal', { ticketId: frame.ticketId });
    }
  }

  return {
    /**
     * Handles a frame after the client's earlier ones (a join completes before the message after
     * it). The queue is bounded, every frame kind spends the connection's frame budget, and what is
     * still queued when the socket closes is dropped unhandled.
     */
    frame(client: Client, data: RawData): void {
      if (client.ws.readyState !== WebSocket.OPEN) return;
      let queue = queues.get(client);
      if (!queue) queues.set(client, (queue = { tail: Promise.resolve(), depth: 0 }));
      if (queue.depth >= limits.maxQueuedFrames) {
        logger.warn(
          { userId: client.user.id, queued: queue.depth },
          'chat connection closed: too many frames queued',
        );
        client.closeFor('queue_overflow', QUEUE_OVERFLOW_CLOSE, 'too many frames queued');
        return;
      }
      // An oversized frame is answered without keeping its bytes while it waits.
      const kept = frameSize(data) > limits.maxFrameBytes ? undefined : data;
      const current = queue;
      current.depth++;
      current.tail = current.tail.then(async () => {
        try {
          if (client.ws.readyState !== WebSocket.OPEN) return;
          if (!client.admitFrame()) {
            const { type, ticketId } = peek(kept);
            received(type);
            client.error(
              'RATE_LIMITED',
              'rate_limited',
              ticketId ? { ticketId } : {},
              'Too many frames; slow down',
            );
            return;
          }
          const frame = parse(client, kept);
          if (frame) await handle(client, frame);
        } finally {
          current.depth--;
        }
      });
    },
    close(client: Client): void {
      rooms.leaveAll(client);
    },
  };
}
