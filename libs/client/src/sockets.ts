import { readToken, type TokenSource } from './http';
import type { ChatClientFrame, ChatServerFrame, NotificationServerFrame } from './types';

/**
 * Typed helpers for the realtime sockets (`/chat`, `/ws/notifications`), whose frame types are
 * generated from the AsyncAPI document. They take any WebSocket constructor: the browser's, Node's
 * global one, or the `ws` package's.
 */

/** The part of the WebSocket API the helpers use (browsers' and the `ws` package's both have it). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface SocketOptions {
  /** The same base URL as the HTTP client's (`http://localhost:8000`); http becomes ws. */
  baseUrl: string;
  token: TokenSource;
  /** Labels the server's metrics: web, mobile, desktop. */
  clientType?: 'web' | 'mobile' | 'desktop';
  /** Defaults to the global WebSocket (browsers, Node 22+); pass the `ws` package's on Node 20. */
  WebSocket?: WebSocketConstructor;
}

export interface SocketClosed {
  code: number;
  reason: string;
}

/** Close codes the server uses (docs/api/asyncapi.json lists them with their reasons). */
export const CLOSE_CODES = {
  goingAway: 1001,
  policyViolation: 1008,
  tooLarge: 1009,
  tryAgainLater: 1013,
  unauthorized: 4401,
} as const;

export class SocketFrameTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`no ${what} frame within ${timeoutMs} ms`);
    this.name = 'SocketFrameTimeoutError';
  }
}

/** One open socket whose incoming frames are `In` and outgoing ones `Out`. */
export class TypedSocket<In extends { type: string }, Out = never> {
  /**
   * Resolves once open; rejects when the socket closes first. A refused token opens, then closes
   * with 4401 (browsers never see an upgrade's status): watch `closed`.
   */
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<SocketClosed>;
  /** Every frame received so far, in order (a test or a UI store can read back). */
  readonly received: In[] = [];
  private readonly listeners = new Set<(frame: In) => void>();

  constructor(readonly socket: WebSocketLike) {
    this.closed = new Promise((resolve) => {
      socket.addEventListener('close', ({ code, reason }) => resolve({ code, reason: String(reason) }));
    });
    this.opened = new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      void this.closed.then(({ code, reason }) =>
        reject(new Error(`socket closed before opening: ${code} ${reason}`)),
      );
    });
    // A closed-before-open socket is reported through `opened` and `closed`, never as unhandled.
    this.opened.catch(() => undefined);
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('message', ({ data }) => {
      let frame: In;
      try {
        frame = JSON.parse(String(data)) as In;
      } catch {
        return; // The server sends JSON only; anything else is not a frame.
      }
      this.received.push(frame);
      for (const listener of this.listeners) listener(frame);
    });
  }

  /** Calls `listener` for every frame from now on; returns the unsubscribe. */
  onFrame(listener: (frame: In) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The first frame, received from now on, of this type (and matching `where`); rejects after
   * `timeoutMs` or when the socket closes.
   */
  next<T extends In['type']>(
    type: T,
    where: (frame: Extract<In, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<In, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new SocketFrameTimeoutError(type, timeoutMs));
      }, timeoutMs);
      const stop = this.onFrame((frame) => {
        if (frame.type !== type || !where(frame as Extract<In, { type: T }>)) return;
        clearTimeout(timer);
        stop();
        resolve(frame as Extract<In, { type: T }>);
      });
      void this.closed.then(({ code, reason }) => {
        clearTimeout(timer);
        stop();
        reject(new Error(`socket closed (${code} ${reason}) while waiting for a ${type} frame`));
      });
    });
  }

  send(frame: Out): void {
    this.socket.send(JSON.stringify(frame));
  }

  close(code = 1000, reason = ''): Promise<SocketClosed> {
    this.socket.close(code, reason);
    return this.closed;
  }
}

/** The `/chat` socket: join rooms, post messages, resync after a gap. */
export class ChatSocket extends TypedSocket<ChatServerFrame, ChatClientFrame> {
  join(ticketId: string): void {
    this.send({ type: 'join', ticketId });
  }
  leave(ticketId: string): void {
    this.send({ type: 'leave', ticketId });
  }
  post(ticketId: string, body: string): void {
    this.send({ type: 'message', ticketId, body });
  }
  resync(ticketId: string, afterSeq: number): void {
    this.send({ type: 'resync', ticketId, afterSeq });
  }
}

/** The `/ws/notifications` socket: receives only (`unread` first, then `notification`s). */
export type NotificationSocket = TypedSocket<NotificationServerFrame>;

export function socketUrl(baseUrl: string, path: string, options: Omit<SocketOptions, 'baseUrl'>): string {
  const url = new URL(path, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  const token = readToken(options.token);
  if (token) url.searchParams.set('token', token);
  if (options.clientType) url.searchParams.set('client', options.clientType);
  return url.toString();
}

function construct(options: SocketOptions, path: string): WebSocketLike {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) throw new Error('no WebSocket constructor: pass options.WebSocket (the ws package on Node 20)');
  return new Ctor(socketUrl(options.baseUrl, path, options));
}

export function openChatSocket(options: SocketOptions): ChatSocket {
  return new ChatSocket(construct(options, '/chat'));
}

export function openNotificationSocket(options: SocketOptions): NotificationSocket {
  return new TypedSocket<NotificationServerFrame>(construct(options, '/ws/notifications'));
}
