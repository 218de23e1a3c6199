import WebSocket from 'ws';
import { waitFor } from '@support-center/testing';

export interface Frame {
  type?: unknown;
  code?: unknown;
  message?: unknown;
  ticketId?: unknown;
  [key: string]: unknown;
}

/** A test client of the realtime service: records every frame and how the socket ended. */
export class FuzzSocket {
  readonly frames: Frame[] = [];
  /** Frames that were not JSON objects (the server must never send one). */
  readonly unparsable: string[] = [];
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      try {
        const frame = JSON.parse(data.toString()) as unknown;
        if (frame && typeof frame === 'object') this.frames.push(frame as Frame);
        else this.unparsable.push(data.toString().slice(0, 200));
      } catch {
        this.unparsable.push(data.toString().slice(0, 200));
      }
    });
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => undefined);
  }

  static open(baseUrl: string, endpoint: string, token: string): Promise<FuzzSocket> {
    const ws = new WebSocket(
      `${baseUrl.replace(/^http/, 'ws')}${endpoint}?token=${encodeURIComponent(token)}`,
    );
    const socket = new FuzzSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed with ${code} before opening`)));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Waits for a frame after index `from` that matches; returns it. */
  async next(match: (frame: Frame) => boolean, from = 0, timeoutMs = 10_000): Promise<Frame> {
    return waitFor(() => this.frames.slice(from).find(match), {
      timeoutMs,
      intervalMs: 10,
      message: `a matching frame (received: ${JSON.stringify(this.frames.slice(from).slice(-3)).slice(0, 400)})`,
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((done) => {
      this.ws.once('close', () => done());
      this.ws.close();
      setTimeout(() => {
        this.ws.terminate();
        done();
      }, 2_000).unref();
    });
  }
}

/** `{type: "error", code, message}` as the realtime service documents its error frames. */
export function isErrorFrame(frame: Frame): boolean {
  return frame.type === 'error' && typeof frame.code === 'string' && typeof frame.message === 'string';
}
