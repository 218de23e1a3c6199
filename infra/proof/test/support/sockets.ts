import WebSocket from 'ws';

export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** A WebSocket client that records every frame (with its arrival time) for tests to wait on. */
export class RecordingSocket {
  readonly frames: Frame[] = [];
  readonly arrivals: number[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;
  private readonly listeners = new Set<(frame: Frame) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.arrivals.push(performance.now());
      for (const listener of this.listeners) listener(frame);
    });
    this.closed = new Promise((done) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        done(code);
      }),
    );
  }

  /** Opens `path` on `baseUrl` with the token; resolves once open, rejects if refused. */
  static async open(baseUrl: string, path: string, token: string): Promise<RecordingSocket> {
    const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
    url.searchParams.set('token', token);
    url.searchParams.set('client', 'web');
    const socket = new RecordingSocket(new WebSocket(url));
    await new Promise<void>((done, fail) => {
      socket.ws.once('open', () => done());
      socket.ws.once('error', fail);
      socket.ws.once('close', (code) => fail(new Error(`closed with ${code} before opening`)));
    });
    return socket;
  }

  onFrame(listener: (frame: Frame) => void): void {
    this.listeners.add(listener);
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** `/ws/notifications` frames of one event type. */
  notifications(event: string): Frame[] {
    return this.frames.filter((f) => f.type === 'notification' && f.event === event);
  }

  async close(): Promise<void> {
    if (this.closeCode === undefined) this.ws.close();
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
