import {
  openChatSocket,
  openNotificationSocket,
  type ChatClientFrame,
  type TypedSocket,
  type WebSocketConstructor,
} from '@support-center/client';
import WebSocket from 'ws';

export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** Node 20 has no global WebSocket; the ws package's has the browser API the client uses. */
const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/**
 * A WebSocket client that records every frame (with its arrival time) for tests to wait on. It is
 * the typed client's socket (`@support-center/client`), so the system tests speak the published
 * protocol; `ws` is the raw socket underneath, for tests that cut it.
 */
export class RecordingSocket {
  readonly frames: Frame[] = [];
  readonly arrivals: number[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;
  readonly ws: WebSocket;
  private readonly listeners = new Set<(frame: Frame) => void>();

  private constructor(private readonly socket: TypedSocket<{ type: string }, ChatClientFrame>) {
    this.ws = socket.socket as unknown as WebSocket;
    socket.onFrame((received) => {
      const frame = received as Frame;
      this.frames.push(frame);
      this.arrivals.push(performance.now());
      for (const listener of this.listeners) listener(frame);
    });
    this.closed = socket.closed.then(({ code }) => {
      this.closeCode = code;
      return code;
    });
  }

  /** Opens `path` on `baseUrl` with the token; resolves once open, rejects if refused. */
  static async open(
    baseUrl: string,
    path: '/chat' | '/ws/notifications',
    token: string,
  ): Promise<RecordingSocket> {
    const options = { baseUrl, token, clientType: 'web' as const, WebSocket: NodeWebSocket };
    const typed = path === '/chat' ? openChatSocket(options) : openNotificationSocket(options);
    const socket = new RecordingSocket(typed as unknown as TypedSocket<{ type: string }, ChatClientFrame>);
    await typed.opened;
    return socket;
  }

  onFrame(listener: (frame: Frame) => void): void {
    this.listeners.add(listener);
  }

  send(frame: ChatClientFrame): void {
    this.socket.send(frame);
  }

  /** `/ws/notifications` frames of one event type. */
  notifications(event: string): Frame[] {
    return this.frames.filter((f) => f.type === 'notification' && f.event === event);
  }

  async close(): Promise<void> {
    if (this.closeCode === undefined) this.socket.close();
    await this.closed;
  }
}

/** Ids that occur more than once, with their counts. */
export function repeated(ids: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, n]) => n > 1));
}

/** The ticket id of a notification frame about a ticket. */
export function ticketIdOf(frame: Frame): string {
  return String((frame.data as { ticketId?: unknown } | undefined)?.ticketId);
}
