import WebSocket from 'ws';
import type { AuthUser } from '@support-center/service-kit';
import { TokenBucket } from '../domain/rate-limit';
import { errorFrame, type ErrorCode, type ErrorFrame } from './frames';
import type { ClientType, Endpoint, ErrorReason, SentType, WsInstruments } from './metrics';

export interface ClientOptions {
  metrics: WsInstruments;
  /** Unsent bytes past which the client is disconnected. */
  maxBufferedBytes: number;
  /** Frames of any kind (and pings) the client may send at once, and refills per second. */
  frameRate: { burst: number; perSecond: number };
}

/**
 * One open socket: who it is, its rooms, its heartbeat state, and a bounded send buffer
 * (a client that cannot keep up is disconnected rather than buffered for without limit).
 */
export class Client {
  /** Answered the last ping. */
  alive = true;
  pingSentAt = 0;
  readonly rooms = new Set<string>();
  private dropped = false;
  private frameBucket?: TokenBucket;

  constructor(
    readonly ws: WebSocket,
    readonly user: AuthUser,
    readonly endpoint: Endpoint,
    readonly clientType: ClientType,
    private readonly options: ClientOptions,
  ) {}

  /** Sends an already serialized frame (serialize once, send to many); false when not sent. */
  sendRaw(type: SentType, payload: string): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.ws.bufferedAmount + payload.length > this.options.maxBufferedBytes) {
      this.drop('slow_consumer');
      return false;
    }
    this.ws.send(payload);
    this.options.metrics.websocket_messages_sent_total.add(1, {
      message_type: type,
      endpoint: this.endpoint,
    });
    return true;
  }

  send(frame: { type: SentType }): boolean {
    return this.sendRaw(frame.type, JSON.stringify(frame));
  }

  /** Sends an error frame and counts the error; the connection stays open. */
  error(code: ErrorCode, reason: ErrorReason, extra: Partial<ErrorFrame> = {}, message?: string): void {
    this.countError(reason);
    this.send(errorFrame(code, extra, message));
  }

  countError(reason: ErrorReason): void {
    this.options.metrics.websocket_errors_total.add(1, { endpoint: this.endpoint, reason });
  }

  /** Takes one frame from the connection's budget (every kind counts); false past the rate. */
  admitFrame(now = Date.now()): boolean {
    this.frameBucket ??= new TokenBucket(this.options.frameRate.burst, this.options.frameRate.perSecond, now);
    return this.frameBucket.take(now);
  }

  /** Closes with a handshake (the peer learns why) and counts the reason. */
  closeFor(reason: ErrorReason, code: number, text: string): void {
    if (this.dropped || this.ws.readyState !== WebSocket.OPEN) return;
    this.countError(reason);
    this.ws.close(code, text);
  }

  /** Cuts the connection at once (no close handshake: a slow or dead peer would not read it). */
  drop(reason: ErrorReason): void {
    if (this.dropped) return;
    this.dropped = true;
    this.countError(reason);
    this.ws.terminate();
  }
}
